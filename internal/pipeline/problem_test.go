package pipeline

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// assertSafeJSON checks that body is one JSON value on one line with nothing
// an HTML sniffer or a log line could trip on: no raw markup characters and
// no raw control characters.
func assertSafeJSON(t *testing.T, body string) {
	t.Helper()
	if !json.Valid([]byte(body)) {
		t.Fatalf("body is not valid JSON: %q", body)
	}
	if !utf8.ValidString(body) {
		t.Errorf("body is not valid UTF-8: %q", body)
	}
	if !strings.HasSuffix(body, "}\n") {
		t.Errorf("body does not end with }\\n: %q", body)
	}
	inner := strings.TrimSuffix(body, "\n")
	if i := strings.IndexAny(inner, "<>&\x7f"); i >= 0 {
		t.Errorf("body has a raw %q at %d: %q", inner[i], i, body)
	}
	for i := 0; i < len(inner); i++ {
		if inner[i] < 0x20 {
			t.Errorf("body has raw control byte %#x at %d: %q", inner[i], i, body)
		}
	}
}

func TestWriteProblemEscapesDetail(t *testing.T) {
	for _, detail := range []string{
		`field "name" is required`,
		`back\slash`,
		"line\nbreak\r\ttab\x00nul\x1f\x7f",
		"invalid \xff\xfe utf-8 \xc3",
		"<script>alert(document.cookie)</script>",
		"a&b > c",
		"emoji 🚀 and ü and \u2028",
		`"}],"status":200,"x":"`,
	} {
		t.Run(detail, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteProblem(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusBadRequest, "bad_request", detail)

			assertSafeJSON(t, rec.Body.String())
			p := decodeProblem(t, rec.Header(), rec.Body.Bytes())
			if want := strings.ToValidUTF8(detail, "\ufffd"); p.Detail != want {
				t.Errorf("detail = %q, want %q", p.Detail, want)
			}
			if p.Status != http.StatusBadRequest || rec.Code != http.StatusBadRequest {
				t.Errorf("status %d / %d, want 400", p.Status, rec.Code)
			}
		})
	}
}

func TestWriteProblemStatusAndMembers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
		detail string
		want   problem
	}{
		{name: "2xx is not a problem", status: http.StatusOK, code: "x", want: problem{Type: "urn:rampart:problem:x", Title: "Internal Server Error", Status: 500}},
		{name: "redirect", status: http.StatusFound, code: "x", want: problem{Type: "urn:rampart:problem:x", Title: "Internal Server Error", Status: 500}},
		{name: "zero", status: 0, code: "x", want: problem{Type: "urn:rampart:problem:x", Title: "Internal Server Error", Status: 500}},
		{name: "negative", status: -404, code: "x", want: problem{Type: "urn:rampart:problem:x", Title: "Internal Server Error", Status: 500}},
		{name: "above 599", status: 600, code: "x", want: problem{Type: "urn:rampart:problem:x", Title: "Internal Server Error", Status: 500}},
		{name: "huge", status: math.MaxInt, code: "x", want: problem{Type: "urn:rampart:problem:x", Title: "Internal Server Error", Status: 500}},
		{name: "teapot", status: http.StatusTeapot, code: "x", want: problem{Type: "urn:rampart:problem:x", Title: "I'm a teapot", Status: 418}},
		{name: "unregistered 4xx has an empty title", status: 499, code: "x", want: problem{Type: "urn:rampart:problem:x", Status: 499}},
		{name: "empty code", status: 404, want: problem{Type: "urn:rampart:problem:error", Title: "Not Found", Status: 404}},
		{name: "code is escaped", status: 400, code: `a"<b>`, want: problem{Type: `urn:rampart:problem:a"<b>`, Title: "Bad Request", Status: 400}},
		{name: "detail", status: 503, code: "overloaded", detail: "Try later.",
			want: problem{Type: "urn:rampart:problem:overloaded", Title: "Service Unavailable", Status: 503, Detail: "Try later."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("Content-Length", "999")
			rec.Header().Set("Content-Type", "text/html")

			WriteProblem(rec, httptest.NewRequest(http.MethodGet, "/", nil), tt.status, tt.code, tt.detail)

			assertSafeJSON(t, rec.Body.String())
			if p := decodeProblem(t, rec.Header(), rec.Body.Bytes()); p != tt.want {
				t.Errorf("problem = %+v, want %+v", p, tt.want)
			}
			if rec.Code != tt.want.Status {
				t.Errorf("response status = %d, want %d", rec.Code, tt.want.Status)
			}
			if has := strings.Contains(rec.Body.String(), `"detail"`); has != (tt.detail != "") {
				t.Errorf("detail member present = %v, want %v", has, tt.detail != "")
			}
			if strings.Contains(rec.Body.String(), "request_id") {
				t.Error("request_id member outside a chain, want it omitted")
			}
			h := rec.Header()
			if h.Get("Content-Length") != "" || h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers = %v; want no Content-Length, no-store, nosniff", h)
			}
		})
	}
}

func TestWriteDenialRetryAfterRoundsUp(t *testing.T) {
	tests := []struct {
		retry time.Duration
		want  string
	}{
		{0, ""},
		{-5 * time.Second, ""},
		{time.Nanosecond, "1"},
		{999 * time.Millisecond, "1"},
		{time.Second, "1"},
		{time.Second + time.Millisecond, "2"},
		{90 * time.Second, "90"},
		{time.Duration(math.MaxInt64), "9223372037"}, // no overflow into a negative value
	}
	for _, tt := range tests {
		t.Run(tt.retry.String(), func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteDenial(rec, httptest.NewRequest(http.MethodGet, "/", nil), &Denial{Status: 429, Code: "rate_limited", RetryAfter: tt.retry})
			if got := rec.Header().Get("Retry-After"); got != tt.want {
				t.Errorf("Retry-After = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteDenialHeadersCannotOverrideProblemHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteDenial(rec, httptest.NewRequest(http.MethodGet, "/", nil), &Denial{
		Status: http.StatusUnauthorized, Code: "unauthorized",
		Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}, "Content-Type": {"text/html"}, "Content-Length": {"1"}},
	})
	decodeProblem(t, rec.Header(), rec.Body.Bytes())
	if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="api"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
	if rec.Header().Get("Content-Length") != "" {
		t.Error("a Denial header set Content-Length on the problem")
	}
}

func FuzzWriteProblem(f *testing.F) {
	f.Add(400, "bad_request", `field "x" <script>`, "abc")
	f.Add(200, "", "\xff\xfe\x00\n\u2028", "")
	f.Add(599, "a\\b", "\"}", "<id>")
	f.Add(-1, "\x7f", "&amp;", "\r\n")
	f.Fuzz(func(t *testing.T, status int, code, detail, requestID string) {
		rec := httptest.NewRecorder()
		writeProblem(rec, status, code, detail, requestID, 0)
		body := rec.Body.String()

		assertSafeJSON(t, body)
		var p map[string]any
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("invalid JSON %q: %v", body, err)
		}
		wantStatus := status
		if status < 400 || status > 599 {
			wantStatus = http.StatusInternalServerError
		}
		if rec.Code != wantStatus || p["status"] != float64(wantStatus) {
			t.Errorf("status %d / %v, want %d", rec.Code, p["status"], wantStatus)
		}
		if code == "" {
			code = "error"
		}
		if want := problemTypePrefix + strings.ToValidUTF8(code, "\ufffd"); p["type"] != want {
			t.Errorf("type = %q, want %q", p["type"], want)
		}
		if detail != "" && p["detail"] != strings.ToValidUTF8(detail, "\ufffd") {
			t.Errorf("detail = %q, want %q", p["detail"], detail)
		}
		if requestID != "" && p["request_id"] != strings.ToValidUTF8(requestID, "\ufffd") {
			t.Errorf("request_id = %q, want %q", p["request_id"], requestID)
		}
	})
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"", Enforce, false},
		{"enforce", Enforce, false},
		{"monitor", Monitor, false},
		{"Monitor", Enforce, true},
		{"block", Enforce, true},
		{" monitor", Enforce, true},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseMode(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, _ := ParseMode(got.String()); back != got {
				t.Errorf("ParseMode(%v.String()) = %v, want a round trip", got, back)
			}
		}
	}
	if Enforce.String() != "enforce" || Monitor.String() != "monitor" {
		t.Errorf("String() = %q, %q", Enforce, Monitor)
	}
}

func TestDenialError(t *testing.T) {
	cause := errors.New("token expired 3m ago")
	d := &Denial{Guard: "authn", Rule: "jwt", Status: 401, Code: "unauthorized", Cause: cause}
	if got, want := d.Error(), "authn/jwt: 401 unauthorized: token expired 3m ago"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(d, cause) {
		t.Error("errors.Is(denial, cause) = false, want Unwrap to expose the cause")
	}
	d.Cause = nil
	if got, want := d.Error(), "authn/jwt: 401 unauthorized"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
