package inspect

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// objectWithKeys returns {"k0":0,"k1":1,...} with n members, and with dup
// appended as one more member when not empty.
func objectWithKeys(n int, dup string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	if dup != "" {
		fmt.Fprintf(&b, `,%q:true`, dup)
	}
	b.WriteByte('}')
	return b.String()
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

func TestCheckJSON(t *testing.T) {
	small := Limits{MaxDepth: 3, MaxKeys: 2, MaxArrayLen: 2, MaxStringLen: 4, MaxNumberLen: 3, MaxPathLen: 10}
	tests := []struct {
		name      string
		body      string
		lim       Limits
		wantCode  string // "" for valid
		wantField string
	}{
		{name: "object", body: `{"user":{"name":"ann","tags":["a","b"],"age":31.5e1,"ok":true,"x":null}}`},
		{name: "scalar root", body: ` "hello" `},
		{name: "number root", body: `-0.5E-3`},
		{name: "empty containers", body: `{"a":{},"b":[],"c":[{}]}`},
		{name: "escapes", body: `"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`},
		{name: "utf8", body: `{"naïve":"日本語 😀"}`},
		{name: "same key in sibling objects", body: `[{"a":1},{"a":2}]`},
		{name: "same key at two depths", body: `{"a":{"a":1}}`},

		{name: "empty", body: ``, wantCode: CodeMalformedJSON, wantField: "body"},
		{name: "only space", body: "  \n", wantCode: CodeMalformedJSON},
		{name: "trailing comma", body: `{"a":1,}`, wantCode: CodeMalformedJSON},
		{name: "trailing data", body: `{"a":1} x`, wantCode: CodeMalformedJSON},
		{name: "two values", body: `1 2`, wantCode: CodeMalformedJSON},
		{name: "single quotes", body: `{'a':1}`, wantCode: CodeMalformedJSON},
		{name: "unquoted key", body: `{a:1}`, wantCode: CodeMalformedJSON},
		{name: "leading zero", body: `[01]`, wantCode: CodeMalformedJSON, wantField: "body./0"},
		{name: "bare dot", body: `1.`, wantCode: CodeMalformedJSON},
		{name: "plus sign", body: `+1`, wantCode: CodeMalformedJSON},
		{name: "NaN", body: `NaN`, wantCode: CodeMalformedJSON},
		{name: "control char in string", body: "\"a\tb\"", wantCode: CodeMalformedJSON},
		{name: "bad escape", body: `"\x41"`, wantCode: CodeMalformedJSON},
		{name: "short unicode escape", body: `"\u12"`, wantCode: CodeMalformedJSON},
		{name: "unterminated string", body: `{"a":"b`, wantCode: CodeMalformedJSON, wantField: "body./a"},
		{name: "unclosed object", body: `{"a":1`, wantCode: CodeMalformedJSON},
		{name: "mismatched bracket", body: `[1}`, wantCode: CodeMalformedJSON},
		{name: "comment", body: `{"a":1 /* x */}`, wantCode: CodeMalformedJSON},
		{name: "BOM", body: "\ufeff{}", wantCode: CodeMalformedJSON},
		{name: "truncated literal", body: `[tru]`, wantCode: CodeMalformedJSON},

		{name: "depth at limit", body: nested(3), lim: small},
		{name: "depth past limit", body: nested(4), lim: small, wantCode: CodeJSONTooDeep, wantField: "body./0/0/0"},
		{name: "deep default", body: nested(32)},
		{name: "deep past default", body: nested(33), wantCode: CodeJSONTooDeep},
		{name: "10k nested arrays", body: nested(10000), wantCode: CodeJSONTooDeep},
		{name: "keys at limit", body: `{"a":1,"b":2}`, lim: small},
		{name: "keys past limit", body: `{"a":{"a":1,"b":2,"c":3}}`, lim: small, wantCode: CodeJSONTooManyKeys, wantField: "body./a"},
		{name: "array at limit", body: `[1,2]`, lim: small},
		{name: "array past limit", body: `{"a":[1,2,3]}`, lim: small, wantCode: CodeJSONArrayTooLong, wantField: "body./a"},
		{name: "string at limit", body: `"abcd"`, lim: small},
		{name: "string past limit", body: `{"a":"abcde"}`, lim: small, wantCode: CodeJSONStringTooLong, wantField: "body./a"},
		{name: "string limit counts unescaped bytes", body: `"\u0041\u0042\u0043\u0044"`, lim: small},
		{name: "escaped string past limit", body: `"\u0041\u0042\u0043\u0044\n"`, lim: small, wantCode: CodeJSONStringTooLong},
		{name: "key past string limit", body: `{"abcde":1}`, lim: small, wantCode: CodeJSONStringTooLong},
		{name: "number at limit", body: `-12`, lim: small},
		{name: "number past limit", body: `[1234]`, lim: small, wantCode: CodeJSONNumberTooLong, wantField: "body./0"},
		{name: "path at limit", body: `{"abcd":{"ab":{"c":1}}}`, lim: small},
		{name: "path past limit", body: `{"abcd":{"ab":{"cd":1}}}`, lim: small, wantCode: CodeJSONPathTooLong, wantField: "body./abcd/ab"},
		{name: "path counts escapes", body: `{"a/~":{"ab":{"c":1}}}`, lim: small, wantCode: CodeJSONPathTooLong, wantField: "body./a~1~0/ab"},

		{name: "duplicate key", body: `{"a":1,"b":2,"a":3}`, wantCode: CodeDuplicateKey, wantField: "body./a"},
		{name: "duplicate after unescaping", body: `{"role":"user","r\u006fle":"admin"}`, wantCode: CodeDuplicateKey, wantField: "body./role"},
		{name: "duplicate escaped both", body: `{"\u0061":1,"\u0061":2}`, wantCode: CodeDuplicateKey},
		{name: "duplicate nested", body: `{"u":{"x":1,"x":2}}`, wantCode: CodeDuplicateKey, wantField: "body./u/x"},
		{name: "duplicate in large object", body: objectWithKeys(500, "k42"), wantCode: CodeDuplicateKey, wantField: "body./k42"},
		{name: "large object without duplicate", body: objectWithKeys(1000, "")},
		{name: "large object past limit", body: objectWithKeys(1001, ""), wantCode: CodeJSONTooManyKeys},
		{name: "duplicate right after indexing", body: objectWithKeys(linearKeys, "k0"), wantCode: CodeDuplicateKey},

		{name: "invalid utf8", body: "{\"a\":\"\xff\"}", wantCode: CodeInvalidUTF8, wantField: "body./a"},
		{name: "invalid utf8 in key", body: "{\"\xc3\":1}", wantCode: CodeInvalidUTF8},
		{name: "utf8 encoded surrogate", body: "\"\xed\xa0\x80\"", wantCode: CodeInvalidUTF8},
		{name: "overlong utf8", body: "\"\xc0\xaf\"", wantCode: CodeInvalidUTF8},
		{name: "lone high surrogate", body: `"\ud800"`, wantCode: CodeInvalidUTF8},
		{name: "lone low surrogate", body: `"\udc00"`, wantCode: CodeInvalidUTF8},
		{name: "high surrogate then letter", body: `"\ud800\u0041"`, wantCode: CodeInvalidUTF8},
		{name: "reversed surrogates", body: `"\ude00\ud83d"`, wantCode: CodeInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckJSON([]byte(tt.body), tt.lim)
			checkErr(t, err, tt.wantCode, tt.wantField)
			// WalkJSON makes the same checks.
			werr := WalkJSON([]byte(tt.body), tt.lim, func(string, bool, string) error { return nil })
			checkErr(t, werr, tt.wantCode, tt.wantField)
		})
	}
}

func checkErr(t *testing.T, err error, wantCode, wantField string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	var ierr *Error
	if !errors.As(err, &ierr) {
		t.Fatalf("got %v, want *Error with code %s", err, wantCode)
	}
	if ierr.Code != wantCode {
		t.Fatalf("got code %s (%v), want %s", ierr.Code, err, wantCode)
	}
	if wantField != "" && ierr.Field != wantField {
		t.Errorf("got field %q, want %q", ierr.Field, wantField)
	}
	if ierr.Public == "" || ierr.Status != 400 && ierr.Status != 415 {
		t.Errorf("got status %d public %q", ierr.Status, ierr.Public)
	}
}

type walked struct {
	ptr   string
	isKey bool
	value string
}

func walkAll(t *testing.T, body string) []walked {
	t.Helper()
	var got []walked
	err := WalkJSON([]byte(body), Limits{}, func(ptr string, isKey bool, value string) error {
		got = append(got, walked{ptr, isKey, value})
		return nil
	})
	if err != nil {
		t.Fatalf("WalkJSON: %v", err)
	}
	return got
}

func TestWalkJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []walked
	}{
		{
			name: "object",
			body: `{"user":{"name":"ann","age":3,"tags":["x","y"]},"ok":true}`,
			want: []walked{
				{"/user", true, "user"},
				{"/user/name", true, "name"},
				{"/user/name", false, "ann"},
				{"/user/age", true, "age"},
				{"/user/tags", true, "tags"},
				{"/user/tags/0", false, "x"},
				{"/user/tags/1", false, "y"},
				{"/ok", true, "ok"},
			},
		},
		{name: "root string", body: `"a\"b"`, want: []walked{{"", false, `a"b`}}},
		{name: "root number", body: `42`, want: nil},
		{
			name: "pointer escaping",
			body: `{"a/b":{"m~n":"v"},"":"e"}`,
			want: []walked{
				{"/a~1b", true, "a/b"},
				{"/a~1b/m~0n", true, "m~n"},
				{"/a~1b/m~0n", false, "v"},
				{"/", true, ""},
				{"/", false, "e"},
			},
		},
		{
			name: "unescaped values and keys",
			body: `{"\u0024ne":"\u003cscript\u003e","k":"caf\u00e9 \ud83d\ude00"}`,
			want: []walked{
				{"/$ne", true, "$ne"},
				{"/$ne", false, "<script>"},
				{"/k", true, "k"},
				{"/k", false, "café 😀"},
			},
		},
		{
			name: "arrays of objects",
			body: `[{"sku":"a1"},{"sku":"b2"}]`,
			want: []walked{
				{"/0/sku", true, "sku"},
				{"/0/sku", false, "a1"},
				{"/1/sku", true, "sku"},
				{"/1/sku", false, "b2"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := walkAll(t, tt.body)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestWalkJSONStopsOnVisitError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := WalkJSON([]byte(`["a","b","c"]`), Limits{}, func(string, bool, string) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 2 {
		t.Fatalf("got err %v after %d calls, want the visit error after 2", err, calls)
	}
}

// TestWalkJSONAfterFailure: a walk that fails inside large objects leaves
// nothing behind in the pooled walker for the next one.
func TestWalkJSONAfterFailure(t *testing.T) {
	broken := `{"a":` + objectWithKeys(100, "") + `,"b":` + objectWithKeys(50, "k7")
	for range 3 {
		checkErr(t, CheckJSON([]byte(broken), Limits{}), CodeDuplicateKey, "body./b/k7")
		if err := CheckJSON([]byte(`{"a":`+objectWithKeys(100, "")+`}`), Limits{}); err != nil {
			t.Fatalf("valid body after a failed walk: %v", err)
		}
	}
}

func TestErrorText(t *testing.T) {
	err := CheckJSON([]byte(`{"password":"hunter2","password":"x"}`), Limits{})
	var ierr *Error
	if !errors.As(err, &ierr) {
		t.Fatalf("got %v, want *Error", err)
	}
	if strings.Contains(ierr.Public, "password") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error text leaks content: public %q, error %q", ierr.Public, err.Error())
	}
	if ierr.Unwrap() == nil || !strings.Contains(err.Error(), CodeDuplicateKey) || !strings.Contains(err.Error(), "body./password") {
		t.Errorf("error %q should name the code and field and wrap a cause", err.Error())
	}
}

func TestCheckJSONAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	body := []byte(apiBody)
	if err := CheckJSON(body, Limits{}); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() { _ = CheckJSON(body, Limits{}) })
	if allocs != 0 {
		t.Errorf("CheckJSON allocates %.1f times on a typical body, want 0", allocs)
	}
}

func TestAPIBodyIsRealistic(t *testing.T) {
	if n := len(apiBody); n < 1400 || n > 1700 {
		t.Errorf("apiBody is %d bytes, want about 1.5 KB", n)
	}
	if err := CheckJSON([]byte(apiBody), Limits{}); err != nil {
		t.Fatal(err)
	}
}
