package authz

import (
	"strconv"
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	now := strconv.Quote(time.Now().UTC().Format(time.RFC3339))
	for _, c := range []struct {
		name           string
		owner1, owner2 string // the owner's two reads
		other          string // the other user's read
		echo           string
		want           bool
	}{
		{"same object", `{"id":1,"name":"camera"}`, `{"id":1,"name":"camera"}`, `{"id":1,"name":"camera"}`, "1", true},
		{"extra fields for the other user", `{"id":1,"name":"camera"}`, `{"id":1,"name":"camera"}`, `{"id":1,"name":"camera","x":2}`, "1", true},
		{"a field that varies for the owner is ignored", `{"name":"camera","nonce":"a1"}`, `{"name":"camera","nonce":"b2"}`, `{"name":"camera","nonce":"c3"}`, "", true},
		{"a clock field is ignored even when the owner's reads agree", `{"name":"camera","served_at":` + now + `}`, `{"name":"camera","served_at":` + now + `}`, `{"name":"camera","served_at":"2001-01-01T00:00:00Z"}`, "", true},
		{"a named request id is ignored", `{"name":"camera","request_id":"r1"}`, `{"name":"camera","request_id":"r1"}`, `{"name":"camera","request_id":"r2"}`, "", true},
		{"another object", `{"id":1,"name":"camera"}`, `{"id":1,"name":"camera"}`, `{"id":1,"name":"guitar"}`, "1", false},
		{"a missing field", `{"id":1,"name":"camera"}`, `{"id":1,"name":"camera"}`, `{"id":1}`, "1", false},
		{"only the echoed id agrees", `{"id":1,"at":"x1"}`, `{"id":1,"at":"x2"}`, `{"id":1,"at":"x3"}`, "1", false},
		{"everything varies", `{"a":1}`, `{"a":2}`, `{"a":3}`, "", false},
		{"an error object", `{"name":"camera"}`, `{"name":"camera"}`, `{"error":"not found"}`, "", false},
		{"JSON against text", `{"name":"camera"}`, `{"name":"camera"}`, `camera`, "", false},
		{"same text", `hello camera`, `hello camera`, `hello camera`, "", true},
		{"empty text", ``, ``, ``, "", false},
		{"1 and \"1\" differ", `{"n":1,"m":"x"}`, `{"n":1,"m":"x"}`, `{"n":"1","m":"x"}`, "", false},
		{"nested arrays", `{"items":[{"id":3,"n":"a"}]}`, `{"items":[{"id":3,"n":"a"}]}`, `{"items":[{"id":3,"n":"a"}]}`, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a1, a2 := Flatten([]byte(c.owner1)), Flatten([]byte(c.owner2))
			got, _ := Match(a1, Flatten([]byte(c.other)), Volatile(a1, a2), c.echo)
			if got != c.want {
				t.Errorf("Match = %v, want %v (volatile %v)", got, c.want, Volatile(a1, a2))
			}
		})
	}
}

func TestFlattenBounds(t *testing.T) {
	deep := ""
	for range 500 {
		deep += "["
	}
	d := Flatten([]byte(deep + "1" + strRepeat("]", 500)))
	if !d.JSON || len(d.Leaves) != 1 {
		t.Errorf("deep array: %d leaves, JSON %v", len(d.Leaves), d.JSON)
	}
	wide := "[" + strRepeat("1,", 10000) + "1]"
	if d := Flatten([]byte(wide)); len(d.Leaves) > maxLeaves {
		t.Errorf("wide array: %d leaves, bound %d", len(d.Leaves), maxLeaves)
	}
}

func strRepeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	return string(out)
}

func TestAbsentID(t *testing.T) {
	for _, id := range []string{"1", "42", "0b8f8f2e-8c0e-4d5b-9d7e-1b2c3d4e5f60", "alice", ""} {
		got := absentID(id)
		if got == id || got == "" {
			t.Errorf("absentID(%q) = %q", id, got)
		}
		if uuidShape.MatchString(id) && !uuidShape.MatchString(got) {
			t.Errorf("absentID(%q) = %q, want a UUID", id, got)
		}
	}
}

func TestPrivilegedValueDiffers(t *testing.T) {
	for _, cur := range []any{true, false, "user", "admin", "x", []any{"read"}} {
		v, ok := privilegedValue("role", cur)
		if !ok || sameJSON(v, cur) {
			t.Errorf("privilegedValue(role, %v) = %v, %v", cur, v, ok)
		}
	}
	if _, ok := privilegedValue("owner", nil); ok {
		t.Error("a null got a value")
	}
}
