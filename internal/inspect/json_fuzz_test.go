package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var jsonSeeds = []string{
	apiBody,
	`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
	`"\ud83d\ude00\u00e9\n\"\\\/"`,
	`"\ud800"`, `"\udc00\ud800"`, "\"\xff\"", "\"\xed\xa0\x80\"",
	`{"a":1,"\u0061":2}`,
	`[-0.0e+10, 1E5, 0.5, -1]`, `01`, `1.`, `.5`, `-`, `1e`, `[1,]`, `{"a" 1}`, `{"a":1,}`,
	`{"a/b~c":{"":[""]}}`,
	nested(40), objectWithKeys(20, "k3"), objectWithKeys(40, ""),
	"\ufeff{}", " \t\r\n[] ", `{"x":"\u0000"}`,
}

// FuzzCheckJSON holds CheckJSON to encoding/json: what encoding/json
// refuses CheckJSON refuses; what CheckJSON accepts encoding/json accepts
// and decodes to exactly the strings WalkJSON reports; CheckJSON refuses
// a body encoding/json accepts only for a hardening reason, never as
// malformed.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := CheckJSON(body, Limits{})
		valid := json.Valid(body)
		var code string
		if err != nil {
			var ierr *Error
			if !errors.As(err, &ierr) {
				t.Fatalf("CheckJSON returned %T %v, want *Error", err, err)
			}
			code = ierr.Code
			if valid && code == CodeMalformedJSON {
				t.Fatalf("CheckJSON calls %q malformed, encoding/json accepts it: %v", body, err)
			}
		} else if !valid {
			t.Fatalf("CheckJSON accepts %q, encoding/json refuses it", body)
		}

		var got []walked
		werr := WalkJSON(body, Limits{}, func(ptr string, isKey bool, value string) error {
			got = append(got, walked{ptr, isKey, value})
			return nil
		})
		var wcode string
		if werr != nil {
			wcode = werr.(*Error).Code
		}
		if wcode != code {
			t.Fatalf("CheckJSON says %q, WalkJSON says %q", code, wcode)
		}
		if err != nil {
			return
		}
		var doc any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("encoding/json cannot decode what both accept: %v", err)
		}
		want := flatten(nil, "", doc)
		sortWalked(got)
		sortWalked(want)
		if !slices.Equal(got, want) {
			t.Fatalf("WalkJSON reported %+v\nencoding/json decodes %+v", got, want)
		}
		for _, w := range got {
			if !utf8.ValidString(w.value) {
				t.Fatalf("reported invalid UTF-8 %q", w.value)
			}
		}
	})
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// flatten lists the keys and strings of a decoded document as WalkJSON
// reports them, independently of the walker's code.
func flatten(out []walked, ptr string, v any) []walked {
	switch v := v.(type) {
	case string:
		out = append(out, walked{ptr, false, v})
	case []any:
		for i, e := range v {
			out = flatten(out, ptr+"/"+strconv.Itoa(i), e)
		}
	case map[string]any:
		for k, e := range v {
			p := ptr + "/" + pointerEscaper.Replace(k)
			out = append(out, walked{p, true, k})
			out = flatten(out, p, e)
		}
	}
	return out
}

func sortWalked(s []walked) {
	slices.SortFunc(s, func(a, b walked) int {
		if c := strings.Compare(a.ptr, b.ptr); c != 0 {
			return c
		}
		if a.isKey != b.isKey {
			if a.isKey {
				return -1
			}
			return 1
		}
		return strings.Compare(a.value, b.value)
	})
}
