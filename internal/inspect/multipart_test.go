package inspect

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
)

type testPart struct {
	header map[string]string
	body   string
}

// multipartBody encodes parts with mime/multipart and returns the body
// and its Content-Type.
func multipartBody(t testing.TB, parts ...testPart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		for k, v := range p.header {
			h.Set(k, v)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p.body))
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func field(name string) map[string]string {
	return map[string]string{"Content-Disposition": `form-data; name="` + name + `"`}
}

func file(name, filename, contentType string) map[string]string {
	h := map[string]string{"Content-Disposition": `form-data; name="` + name + `"; filename="` + filename + `"`}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	return h
}

func TestExtractMultipart(t *testing.T) {
	tests := []struct {
		name  string
		parts []testPart
		want  []string
	}{
		{
			name:  "text fields",
			parts: []testPart{{field("comment"), "<script>x</script>"}, {field("user[$ne]"), "1"}, {field("empty"), ""}},
			want:  []string{"multipart.comment=<script>x</script>", "key multipart.user[$ne]=user[$ne]", "multipart.user[$ne]=1"},
		},
		{
			name:  "binary file: name only, traversal kept",
			parts: []testPart{{file("avatar", "../../etc/passwd", "image/png"), "\x89PNG' OR 1=1"}},
			want:  []string{"multipart.avatar;filename=../../etc/passwd"},
		},
		{
			name:  "file without content type is binary",
			parts: []testPart{{file("f", "a.bin", ""), "' OR 1=1"}},
			want:  []string{"multipart.f;filename=a.bin"},
		},
		{
			name:  "text file content",
			parts: []testPart{{file("notes", "n.txt", "text/plain"), "DROP TABLE users"}},
			want:  []string{"multipart.notes;filename=n.txt", "multipart.notes=DROP TABLE users"},
		},
		{
			name:  "json file parsed",
			parts: []testPart{{file("meta", "m.json", "application/json"), `{"user":{"name":"x","$gt":""}}`}},
			want:  []string{"multipart.meta;filename=m.json", "multipart.meta/user/name=x", "key multipart.meta/user/$gt=$gt"},
		},
		{
			name:  "json field parsed",
			parts: []testPart{{map[string]string{"Content-Disposition": `form-data; name="doc"`, "Content-Type": "application/json"}, `["a"]`}},
			want:  []string{"multipart.doc/0=a"},
		},
		{
			name:  "xml file parsed, doctype reported",
			parts: []testPart{{file("x", "x.xml", "text/xml"), `<!DOCTYPE a SYSTEM "http://evil/"><a b="c">d</a>`}},
			want:  []string{"multipart.x;filename=x.xml", `xml.doctype.x=<!DOCTYPE a SYSTEM "http://evil/">`, "multipart.x/a/@b=c", "multipart.x/a=d"},
		},
		{
			name:  "field declared binary is still a field",
			parts: []testPart{{map[string]string{"Content-Disposition": `form-data; name="v"`, "Content-Type": "image/png"}, "1 UNION SELECT"}},
			want:  []string{"multipart.v=1 UNION SELECT"},
		},
		{
			name: "quoted-printable decoded once",
			parts: []testPart{{map[string]string{"Content-Disposition": `form-data; name="q"`, "Content-Transfer-Encoding": "quoted-printable"},
				"=3Cscript=3E%3C"}},
			want: []string{"multipart.q=<script>%3C"},
		},
		{
			name:  "RFC 2231 file name",
			parts: []testPart{{map[string]string{"Content-Disposition": `form-data; name="f"; filename*=UTF-8''..%2F..%2Fx.txt`, "Content-Type": "image/gif"}, "GIF89a"}},
			want:  []string{"multipart.f;filename=../../x.txt"},
		},
		{
			name:  "part without disposition",
			parts: []testPart{{map[string]string{"Content-Type": "text/plain"}, "orphan"}},
			want:  []string{"multipart=orphan"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(t, tt.parts...)
			r := newRequest("POST", "/", ct, "")
			got, err := extractAll(r, body, noHeaders)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestExtractMultipartErrors(t *testing.T) {
	tests := []struct {
		name      string
		parts     []testPart
		lim       Limits
		wantCode  string
		wantField string
	}{
		{name: "bad disposition", parts: []testPart{{map[string]string{"Content-Disposition": `form-data; name="a`}, "x"}}, wantCode: CodeMalformedMultipart},
		{name: "malformed json part", parts: []testPart{{file("meta", "m.json", "application/json"), `{"a":`}}, wantCode: CodeMalformedJSON, wantField: "multipart.meta/a"},
		{name: "duplicate key in json part", parts: []testPart{{file("meta", "m.json", "application/json"), `{"a":1,"a":2}`}}, wantCode: CodeDuplicateKey, wantField: "multipart.meta/a"},
		{name: "malformed xml part", parts: []testPart{{file("x", "x.xml", "application/xml"), `<a>`}}, wantCode: CodeMalformedXML, wantField: "multipart.x/a"},
		{name: "utf-16 json part", parts: []testPart{{file("j", "j.json", "application/json; charset=utf-16"), `{}`}}, wantCode: CodeUnsupportedMediaType},
		{name: "bad part content type", parts: []testPart{{file("j", "j.json", "application/"), `{}`}}, wantCode: CodeUnsupportedMediaType},
		{
			name:     "too many parts",
			parts:    []testPart{{file("a", "a", "image/png"), "1"}, {file("b", "b", "image/png"), "2"}, {file("c", "c", "image/png"), "3"}},
			lim:      Limits{MaxInputs: 2},
			wantCode: CodeTooManyInputs,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(t, tt.parts...)
			r := newRequest("POST", "/", ct, "")
			_, err := extractAll(r, body, Options{Limits: tt.lim, Headers: []string{}})
			checkErr(t, err, tt.wantCode, tt.wantField)
		})
	}
}

// TestExtractMultipartPartsBounded: parts that report nothing (binary
// files without names) still count against MaxInputs, so a body of tiny
// parts cannot make Extract loop without bound.
func TestExtractMultipartPartsBounded(t *testing.T) {
	var parts []testPart
	for range 50 {
		parts = append(parts, testPart{map[string]string{"Content-Type": "image/png"}, "x"})
	}
	body, ct := multipartBody(t, parts...)
	r := newRequest("POST", "/", ct, "")
	_, err := extractAll(r, body, Options{Limits: Limits{MaxInputs: 10}, Headers: []string{}})
	checkErr(t, err, CodeTooManyInputs, "multipart")
	if !strings.Contains(err.Error(), "parts") {
		t.Errorf("error %q should say parts", err)
	}
}
