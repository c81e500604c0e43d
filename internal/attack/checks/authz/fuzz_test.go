package authz

import "testing"

// FuzzMatch: flattening and comparing any three bodies never panics, stays
// within its bounds, and a JSON document with content always matches itself.
func FuzzMatch(f *testing.F) {
	for _, s := range [][3]string{
		{`{"id":1,"name":"a"}`, `{"id":1,"name":"a"}`, `{"id":1,"name":"b"}`},
		{`[1,2,{"x":[]}]`, `[1,2]`, `{}`},
		{`{"a/b~c":{"d":null}}`, `{"a/b~c":{"d":true}}`, `not json`},
		{`{"t":"2024-01-01T00:00:00Z","n":1700000000}`, `"x"`, `1e999`},
		{``, ` `, `{"a":1} trailing`},
	} {
		f.Add(s[0], s[1], s[2], "1")
	}
	f.Fuzz(func(t *testing.T, a, b, c, echo string) {
		da, db, dc := Flatten([]byte(a)), Flatten([]byte(b)), Flatten([]byte(c))
		for _, d := range []Doc{da, db, dc} {
			if len(d.Leaves) > maxLeaves {
				t.Fatalf("%d leaves, bound %d", len(d.Leaves), maxLeaves)
			}
			for _, v := range d.Leaves {
				if len(v) > maxLeafBytes {
					t.Fatalf("leaf of %d bytes", len(v))
				}
			}
		}
		vol := Volatile(da, db)
		Match(da, dc, vol, echo)
		self := Volatile(da, da)
		if ok, n := Match(da, da, self); da.JSON && !ok && proves(da, self) {
			t.Fatalf("%q does not match itself (%d compared)", a, n)
		}
	})
}

// proves: the doc has a stable leaf that is not empty or null.
func proves(d Doc, vol map[string]bool) bool {
	for p, v := range d.Leaves {
		if !vol[p] && v != "null" && v != "[]" && v != "{}" {
			return true
		}
	}
	return false
}
