package authn

import (
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// claimNames says which claims carry the identity's attributes.
type claimNames struct {
	subject, scope, roles, tenant string
}

func newClaimNames(ic Issuer) claimNames {
	n := claimNames{subject: ic.SubjectClaim, scope: ic.ScopeClaim, roles: ic.RolesClaim, tenant: ic.TenantClaim}
	if n.subject == "" {
		n.subject = "sub"
	}
	if n.roles == "" {
		n.roles = "roles"
	}
	return n
}

// checkClaims applies what golang-jwt's validator does not: the maximum
// token age, the required claims and a non-empty subject.
func (iss *issuer) checkClaims(claims jwt.MapClaims, now time.Time) *failure {
	if iss.maxAge > 0 {
		iat, err := claims.GetIssuedAt()
		if err != nil || iat == nil {
			return failf(RuleJWTClaimMissing, "token has no iat but the issuer has a maximum age")
		}
		if age := now.Sub(iat.Time); age > iss.maxAge+iss.leeway {
			return fail(RuleJWTTooOld, fmt.Errorf("token issued %s ago, maximum %s", age.Round(time.Second), iss.maxAge))
		}
	}
	for _, name := range iss.required {
		if v, ok := lookupClaim(claims, name); !ok || v == nil {
			return fail(RuleJWTClaimMissing, fmt.Errorf("required claim %q is missing", name))
		}
	}
	if sub, _ := claimString(claims, iss.claims.subject); sub == "" {
		return fail(RuleJWTClaimMissing, fmt.Errorf("subject claim %q is missing or not a string", iss.claims.subject))
	}
	return nil
}

// identity maps verified claims to the request's Identity.
func (iss *issuer) identity(claims jwt.MapClaims, kid string) *pipeline.Identity {
	id := &pipeline.Identity{Method: string(MethodJWT), KeyID: kid, Claims: map[string]any(claims)}
	id.Subject, _ = claimString(claims, iss.claims.subject)
	if iss.claims.tenant != "" {
		id.Tenant, _ = claimString(claims, iss.claims.tenant)
	}
	if iss.claims.scope != "" {
		id.Scopes = claimList(claims, iss.claims.scope)
	} else if id.Scopes = claimList(claims, "scope"); id.Scopes == nil {
		id.Scopes = claimList(claims, "scp")
	}
	id.Roles = claimList(claims, iss.claims.roles)
	return id
}

// lookupClaim finds a claim by name, or by a dotted path into nested
// objects ("realm_access.roles") when no top-level claim has that name.
func lookupClaim(claims jwt.MapClaims, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	var cur any = map[string]any(claims)
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func claimString(claims jwt.MapClaims, name string) (string, bool) {
	v, _ := lookupClaim(claims, name)
	s, ok := v.(string)
	return s, ok
}

// claimList reads a space-separated string ("scope", RFC 8693) or an array
// of strings ("scp", roles); other element types are skipped.
func claimList(claims jwt.MapClaims, name string) []string {
	v, ok := lookupClaim(claims, name)
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
