package authn

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// stdlibJSONObject is what golang-jwt's parser does with a header or a
// claims set: json.Unmarshal into a copy of a non-nil map.
func stdlibJSONObject(data []byte) (map[string]any, error) {
	m := jwt.MapClaims{}
	c := m
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	return m, nil
}

// agreesWithStdlib fails t unless decodeJSONObject and encoding/json
// agree on data: both refuse it, or both give equal maps.
func agreesWithStdlib(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := decodeJSONObject(string(data))
	want, wantErr := stdlibJSONObject(data)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", data, gotErr, wantErr)
	}
	if gotErr == nil && !identicalJSON(map[string]any(got), map[string]any(want)) {
		t.Fatalf("%q: got %#v, encoding/json %#v", data, got, want)
	}
}

// identicalJSON is reflect.DeepEqual made strict for floats (bit for
// bit, so -0 differs from 0) and for nil versus empty maps and slices.
func identicalJSON(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || (a == nil) != (b == nil) || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !identicalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || (a == nil) != (b == nil) || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !identicalJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && a == b
}

var jsonSeeds = []string{
	`{"aud":"orders-api","exp":1772367000,"iat":1772366400,"iss":"https://idp.example.test/","jti":"abc","scope":"a b","sub":"alice"}`,
	`{"alg":"RS256","kid":"rsa1","typ":"JWT"}`,
	`{}`, ` { } `, `null`, ` null `, `nul`, `nullx`, `[]`, `"x"`, `1`, `true`, ``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`,
	`{"a":1 "b":2}`, `{,"a":1}`, `{"a":1}x`, `{"a":1}{}`, `{'a':1}`, `{a:1}`, "\xef\xbb\xbf{}",
	`{"a":{"b":{"c":[1,2,{"d":null}]}},"e":[],"f":{},"g":[[]]}`,
	`{"a":1,"a":"two"}`, `{"a":{"x":1},"a":{"y":2}}`, `{"ALG":"none","alg":"RS256","Alg":"x"}`,
	`{"n":[0,-0,1.5,-1.5e10,1E+2,1e-2,123456789012345678901234567890,5e-324,1.7976931348623157e308]}`,
	`{"n":1e400}`, `{"n":-1e400}`, `{"n":01}`, `{"n":-}`, `{"n":1.}`, `{"n":.5}`, `{"n":1e}`, `{"n":+1}`, `{"n":0x10}`,
	`{"n":1_000}`, `{"n":Infinity}`, `{"n":NaN}`, `{"n":-0.0e-0}`,
	`{"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac"}`, `{"s":"\ud83d\ude00"}`, `{"s":"\ud83d"}`, `{"s":"\ude00\ud83d"}`,
	`{"s":"\ud83d\u0041"}`, `{"s":"\ud83d\ud83d\ude00"}`, `{"s":"\ud83dx"}`, `{"s":"\ud83d\u12"}`, `{"s":"\u12"}`, `{"s":"\x"}`,
	`{"s":"\'"}`, `{"s":"\U0041"}`, "{\"s\":\"\xff\xfe\"}", "{\"s\":\"a\xc3\"}", "{\"s\":\"\xed\xa0\x80\"}",
	"{\"s\":\"tab\tin\"}", "{\"s\":\"nl\nin\"}", "{\"s\":\"\x7f\"}", "{\"\xff\":1}", `{"s":"\u0000"}`, `{"s":"unterminated}`,
	"{\"a\":1}\n", "\t{\"a\" :\r\n 1 }", `{"a":tru}`, `{"a":true,"b":false,"c":null}`, `{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`,
}

func TestDecodeJSONObjectMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		agreesWithStdlib(t, []byte(s))
	}
}

func TestDecodeJSONObjectDepth(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(`{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`)
	}
	for _, n := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		agreesWithStdlib(t, nested(n))
	}
	if _, err := decodeJSONObject(string(nested(maxJSONDepth + 1))); err == nil {
		t.Error("nesting beyond the limit accepted")
	}
}

func TestDecodeJSONObjectTypes(t *testing.T) {
	m, err := decodeJSONObject(`{"f":1.5,"s":"x","a":[],"o":{},"b":true,"z":null,"big":1e308}`)
	if err != nil {
		t.Fatal(err)
	}
	if m["f"] != 1.5 || m["s"] != "x" || m["b"] != true || m["big"] != 1e308 {
		t.Errorf("scalars %#v", m)
	}
	if a, ok := m["a"].([]any); !ok || a == nil || len(a) != 0 {
		t.Errorf("empty array %#v", m["a"])
	}
	if o, ok := m["o"].(map[string]any); !ok || o == nil {
		t.Errorf("empty object %#v", m["o"])
	}
	if v, ok := m["z"]; !ok || v != nil {
		t.Errorf("null member %#v present=%v", v, ok)
	}
	if _, err := decodeJSONObject(`{"f":1e309}`); err == nil {
		t.Error("out-of-range number accepted")
	}
}

// TestDecodeJSONObjectIntegers covers the integer fast path at its edges,
// and the sign of zero, which reflect.DeepEqual does not see.
func TestDecodeJSONObjectIntegers(t *testing.T) {
	for _, n := range []string{"0", "-0", "7", "-7", "1772367000", "999999999999999", "-999999999999999",
		"1000000000000000", "9007199254740993", "-0.0", "0e0", "-0e5", "123456789012345678"} {
		m, err := decodeJSONObject(`{"n":` + n + `}`)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		want, _ := strconv.ParseFloat(n, 64)
		if got := m["n"].(float64); got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("%s: got %v (signbit %v), want %v (signbit %v)", n, got, math.Signbit(got), want, math.Signbit(want))
		}
	}
}

// FuzzDecodeJSONObject holds the fast decoder to encoding/json: on any
// input both refuse, or both decode to the same map.
func FuzzDecodeJSONObject(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agreesWithStdlib(t, data)
	})
}

// FuzzDecodeJOSEHeader holds the map-free header reader to
// decodeJSONObject: the same refusals, and the alg, kid and crit a map
// lookup would find.
func FuzzDecodeJOSEHeader(f *testing.F) {
	for _, s := range append(jsonSeeds, `{"alg":"RS256","alg":7}`, `{"alg":7,"alg":"RS256"}`, `{"kid":null}`, `{"kid":"a","kid":{}}`,
		`{"crit":null}`, `{"\u0061lg":"none","kid":"k","crit":[]}`, `{"x":{"alg":"none"},"alg":"ES256"}`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := decodeJOSEHeader(string(data))
		m, mErr := decodeJSONObject(string(data))
		if (err != nil) != (mErr != nil) {
			t.Fatalf("%q: error %v, decodeJSONObject %v", data, err, mErr)
		}
		if err != nil {
			return
		}
		var want joseHeader
		want.alg, want.algString = m["alg"].(string)
		want.kid, want.kidString = m["kid"].(string)
		_, want.kidPresent = m["kid"]
		_, want.crit = m["crit"]
		if h != want {
			t.Fatalf("%q: header %+v, want %+v", data, h, want)
		}
	})
}
