package authz

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// claimValue is what an identity claim holds, as the strings a parameter
// may equal. Most claims hold one value; a list claim ("orgs": ["a", "b"])
// holds several and matches any of them.
type claimValue struct {
	one  string
	many []string
}

// present reports whether the claim holds at least one usable value. An
// absent or empty claim matches nothing: otherwise an identity without the
// claim would own every object whose parameter is empty.
func (c claimValue) present() bool { return c.one != "" || len(c.many) > 0 }

// matches reports whether v equals one of the claim's values. Object ids
// are not secrets, so a plain comparison is fine (no timing side channel
// worth closing: the client chose v and learns the verdict anyway).
func (c claimValue) matches(v string) bool {
	if v == "" {
		return false
	}
	if v == c.one {
		return true
	}
	for _, m := range c.many {
		if v == m {
			return true
		}
	}
	return false
}

// claimOf reads a claim: "sub" and "tenant" from their Identity fields, any
// other name from Identity.Claims.
func claimOf(id *pipeline.Identity, name string) claimValue {
	switch name {
	case ClaimSubject:
		return claimValue{one: id.Subject}
	case ClaimTenant:
		return claimValue{one: id.Tenant}
	}
	v, ok := id.Claims[name]
	if !ok {
		return claimValue{}
	}
	if s, ok := scalarString(v); ok {
		return claimValue{one: s}
	}
	var many []string
	switch list := v.(type) {
	case []string:
		many = list
	case []any:
		for _, e := range list {
			if s, ok := scalarString(e); ok && s != "" {
				many = append(many, s)
			}
		}
	}
	return claimValue{many: many}
}

// scalarString renders a string or number claim as a parameter would spell
// it: numbers in shortest decimal form, so the JWT claim 42 (a float64 once
// decoded) equals the path segment "42". Booleans, null and floats that are
// not whole numbers are not identifiers and match nothing.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		// Whole numbers only, and only where float64 is exact (|x| <= 2^53):
		// beyond it two different ids decode to the same float.
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	}
	return "", false
}
