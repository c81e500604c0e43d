package inspect

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzContentTypes are the Content-Types FuzzExtract sends a body as.
var fuzzContentTypes = []string{
	"application/json",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=B",
	"application/xml",
	"text/plain",
	"text/html",
	"image/png",
	"",
	"application/vnd.api+json; charset=utf-8",
	"text/xml; charset=us-ascii",
	"multipart/form-data",
	"application/json; charset=latin1",
}

const fuzzMultipart = "--B\r\nContent-Disposition: form-data; name=\"a[$ne]\"\r\n\r\n1 OR 1=1\r\n" +
	"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../x.json\"\r\nContent-Type: application/json\r\n\r\n{\"k\":[\"v\"]}\r\n" +
	"--B\r\nContent-Disposition: form-data; name=\"x\"; filename=\"x.xml\"\r\nContent-Type: text/xml\r\n\r\n<!DOCTYPE a><a b=\"c\">d</a>\r\n--B--\r\n"

// FuzzExtract feeds arbitrary URLs, headers and bodies of every content
// type to Extract: it must not panic, must report at most MaxInputs
// inputs, each with a valid source and a name bounded by the limits, and
// may fail only with an *Error a client can be shown.
func FuzzExtract(f *testing.F) {
	seeds := []struct {
		kind  uint8
		query string
		body  string
	}{
		{0, "q=1", apiBody},
		{0, "", `{"a":{"a":{"b":"\u0063"}},"a\/b":["x",{"y":"z"}]}`},
		{1, "a[]=1&a[]=2", "user=admin%27--&pass=x+y&role[$ne]=1"},
		{2, "", fuzzMultipart},
		{3, "", `<?xml version="1.0"?><?xml-stylesheet href="x"?><!DOCTYPE o [<!ENTITY x "y">]><o id="1"><i>SEL<!---->ECT</i><![CDATA[z]]></o>`},
		{4, "x=%zz", "plain text"},
		{5, "", "<b>x</b>"},
		{6, "", "\x89PNG"},
		{7, "__proto__=1", "raw"},
		{8, "", `{"data":[{"type":"t","id":"1"}]}`},
		{9, "", `<?xml version="1.0" encoding="US-ASCII"?><a>b</a>`},
		{10, "", fuzzMultipart},
		{11, "", `{}`},
	}
	for _, s := range seeds {
		f.Add(s.kind, s.query, "/a/%2e%2e/b", "ua", []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, kind uint8, query, path, header string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.URL.RawQuery = query
		r.URL.Path = path
		r.Header.Set("User-Agent", header)
		r.Header.Set("Cookie", header)
		if ct := fuzzContentTypes[int(kind)%len(fuzzContentTypes)]; ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		for _, lim := range []Limits{{}, {MaxDepth: 3, MaxKeys: 3, MaxArrayLen: 3, MaxStringLen: 8, MaxNumberLen: 4, MaxInputs: 5, MaxPathLen: 16}} {
			n := 0
			err := Extract(r, body, Options{Limits: lim, Cookies: true, ScanUnknownBodies: kind&0x80 != 0}, func(in *Input) error {
				n++
				if in.Source < Path || in.Source > XMLDirective {
					t.Fatalf("input with source %d", in.Source)
				}
				if in.Location() == "" {
					t.Fatal("input without a location")
				}
				max := lim.resolved().MaxPathLen
				if (in.Source == JSON || in.Source == XML) && len(in.Name) > max {
					t.Fatalf("%s name of %d bytes, limit %d", in.Source, len(in.Name), max)
				}
				return nil
			})
			if n > lim.resolved().MaxInputs {
				t.Fatalf("%d inputs, limit %d", n, lim.resolved().MaxInputs)
			}
			if err == nil {
				continue
			}
			var ierr *Error
			if !errors.As(err, &ierr) {
				t.Fatalf("Extract returned %T %v, want *Error", err, err)
			}
			if ierr.Code == "" || ierr.Public == "" || ierr.Status != 400 && ierr.Status != 415 {
				t.Fatalf("unusable error %+v", ierr)
			}
		}
	})
}

type pair struct{ name, value string }

// FuzzForEachPair holds the query parser to net/url: where net/url parses
// a query (it refuses ';'), both must agree on success and on every pair.
func FuzzForEachPair(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a[]=1&a[]=2&user[$ne]=x", "q=1%27+OR+1%3D1", "%zz", "a=%", "a=1;b=2", "&&=x&y", "%E2%82%AC=%F0%9F%98%80", "+=+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got []pair
		_, err := forEachPair(s, func(name, value string) error {
			got = append(got, pair{name, value})
			return nil
		})
		if err != nil && !errors.Is(err, errBadPercent) {
			t.Fatalf("unexpected error %v", err)
		}
		if strings.Contains(s, ";") {
			return
		}
		values, uerr := url.ParseQuery(s)
		if (err == nil) != (uerr == nil) {
			t.Fatalf("forEachPair error %v, net/url error %v", err, uerr)
		}
		if err != nil {
			return
		}
		want := url.Values{}
		for _, p := range got {
			want.Add(p.name, p.value)
		}
		if !reflect.DeepEqual(values, want) {
			t.Fatalf("forEachPair %q, net/url %q", want, values)
		}
	})
}

// FuzzPercentDecode: decoding agrees with net/url and never grows.
func FuzzPercentDecode(f *testing.F) {
	for _, s := range []string{"a%20b", "%zz", "%", "a+b", "%2", "\xff%41"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := percentDecode(s, true)
		want, err := url.QueryUnescape(s)
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("percentDecode(%q) = %q, %v; net/url %q, %v", s, got, ok, want, err)
		}
		if len(got) > len(s) {
			t.Fatalf("decoded %q longer than %q", got, s)
		}
		if utf8.ValidString(s) && ok && !utf8.ValidString(got) && !strings.Contains(s, "%") {
			t.Fatalf("decoding without escapes broke UTF-8: %q", got)
		}
	})
}
