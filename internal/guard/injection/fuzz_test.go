package injection

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// FuzzGuard: arbitrary queries, media types and bodies never panic the
// guard; its answer is a pass or a well-formed denial (400, 403, 413, 415)
// with short, escaped evidence; and the body the upstream would read is
// the body the client sent.
func FuzzGuard(f *testing.F) {
	seeds := []struct {
		crs          bool
		query, ctype string
		body         string
	}{
		{false, "q=1%27%20OR%20%271%27%3D%271", "", ""},
		{false, "", "application/json", `{"a":"<script>alert(1)</script>","b":[1,{"$ne":null}]}`},
		{false, "x=%252e%252e%252f", "application/x-www-form-urlencoded", "a=%00&b=%C0%AE%C0%AE%2F"},
		{false, "", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n${jndi:ldap://x/a}\r\n--B--\r\n"},
		{false, "", "application/xml", `<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a b="&quot;">&x;</a>`},
		{false, "%zz", "application/json; charset=latin1", "{"},
		{false, "a\r\nb=1", "text/plain", strings.Repeat("'", 300)},
		{true, "q=1%27%20OR%20%271%27%3D%271", "application/json", `{"a":"../../etc/passwd"}`},
		{true, "", "application/json", `{"a":`},
		{true, "", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nx\r\n--B--"},
	}
	for _, s := range seeds {
		f.Add(s.crs, s.query, s.ctype, []byte(s.body))
	}
	native, err := New(Config{MaxBodyBytes: 4096, Cookies: true})
	if err != nil {
		f.Fatal(err)
	}
	crs, err := New(Config{Engine: EngineCRS, MaxBodyBytes: 4096, Oversize: OversizeScanPrefix})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, useCRS bool, query, ctype string, body []byte) {
		g := native
		if useCRS {
			g = crs
		}
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/api/fuzz", RawQuery: query},
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: testHost, Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		r.Header.Set("Cookie", query)
		_, err := g.Check(r)
		if err != nil {
			var d *pipeline.Denial
			if !errors.As(err, &d) {
				t.Fatalf("internal error (a 500): %v", err)
			}
			checkDenial(t, d)
		}
		got, rerr := io.ReadAll(r.Body)
		if rerr != nil || !bytes.Equal(got, body) {
			t.Fatalf("the upstream would read %q (%v), want the %d bytes sent", got, rerr, len(body))
		}
	})
}

// checkDenial asserts what every denial must be: a client error with a
// code and a fixed public text, and evidence fit for a log line.
func checkDenial(t *testing.T, d *pipeline.Denial) {
	t.Helper()
	switch d.Status {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
	default:
		t.Fatalf("status %d: %v", d.Status, d)
	}
	if d.Code == "" || d.PublicMessage == "" || d.Rule == "" {
		t.Fatalf("incomplete denial %+v", d)
	}
	if d.Status == http.StatusForbidden && (d.PublicMessage != PublicMessage || d.Code != Code) {
		t.Fatalf("403 with %q %q", d.Code, d.PublicMessage)
	}
	for k, v := range d.Evidence {
		limit := 4*maxLocationLen + 8
		if k == "matches" {
			limit = (maxFindings + 1) * (4*maxLocationLen + 32)
		}
		if len(v) > limit {
			t.Fatalf("evidence[%s] is %d bytes", k, len(v))
		}
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] == 0x7f {
				t.Fatalf("evidence[%s] = %q holds a control byte", k, v)
			}
		}
	}
}
