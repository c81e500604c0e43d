package exposure

import (
	"net/http"
	"slices"
	"testing"
)

func kinds(ms []Match) []Kind {
	var out []Kind
	for _, m := range ms {
		out = append(out, m.Kind)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestSensitiveData(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Kind
	}{
		{"visa in json", `{"card_number":"4111111111111111"}`, []Kind{KindCard}},
		{"amex with spaces", `{"pan":"3782 822463 10005"}`, []Kind{KindCard}},
		{"card in text", "paid with 5555-5555-5555-4444 today", []Kind{KindCard}},
		{"card as number", `{"card":4012888888881881}`, []Kind{KindCard}},
		{"masked card", `{"card_number":"************1111"}`, nil},
		{"luhn-valid timestamp", `{"created_at":1732800000006}`, nil},
		{"id that passes luhn", `{"order_id":"4111111111111111"}`, nil},
		{"not luhn", `{"card_number":"4111111111111112"}`, nil},
		{"cvv", `{"card_cvv":"123"}`, []Kind{KindCVV}},
		{"cvv number", `{"cvc":7890}`, []Kind{KindCVV}},
		{"cvv empty", `{"cvv":""}`, nil},
		{"ssn keyed", `{"ssn":"123-45-6789"}`, []Kind{KindSSN}},
		{"ssn invalid area", `{"ssn":"666-45-6789"}`, nil},
		{"ssn in text", "Customer SSN: 123-45-6789.", []Kind{KindSSN}},
		{"dash number without context", "ref 123-45-6789", nil},
		{"unsalted hash", `{"password_hash":"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}`, []Kind{KindPasswordHash}},
		{"bcrypt", `{"hash":"$2b$12$abcdefghijklmnopqrstuuO0sYfY8v1Nq3x9m4kR0D7n3Jc5ZbWq2"}`, []Kind{KindPasswordHash}},
		{"plaintext password", `{"user":"a","password":"hunter2hunter2"}`, []Kind{KindSecretField}},
		{"password policy", `{"password_min_length":"12"}`, nil},
		{"api secret", `{"api_secret":"sapi_secret_alice_7d3f0c9e2b1a48e6"}`, []Kind{KindSecretField}},
		{"jwt secret", `{"config":{"jwt_secret":"secret123"}}`, []Kind{KindSecretField}},
		{"masked secret", `{"api_secret":"****"}`, nil},
		{"pagination token", `{"next_page_token":"abcdefghijklmnop"}`, nil},
		{"token type", `{"token_type":"Bearer"}`, nil},
		{"aws key", `{"note":"key AKIAIOSFODNN7EXAMPLE here"}`, []Kind{KindAWSKey}},
		{"private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...", []Kind{KindPrivateKey}},
		{"public key", "-----BEGIN PUBLIC KEY-----\nMIIB...", nil},
		{"jwt", `{"other":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2ln"}`, []Kind{KindJWT}},
		{"not a jwt", `{"other":"eyJub3RoaW5nIjoxfQ.eyJzdWIiOiJib2IifQ.c2ln"}`, nil},
		{"dsn with password", `{"database_url":"postgres://app:s3cretpw@db:5432/app"}`, []Kind{KindURLCredential}},
		{"plain object", `{"id":1,"name":"widget","price":1299}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kinds(SensitiveData([]byte(tt.body)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("SensitiveData(%s) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}

func TestEmails(t *testing.T) {
	got := Emails([]byte(`{"a":"Alice@Example.com","b":"bob@example.org","c":"alice@example.com","logo":"icon@2x.png"}`))
	want := []string{"alice@example.com", "bob@example.org"}
	if !slices.Equal(got, want) {
		t.Errorf("Emails = %v, want %v", got, want)
	}
}

func TestVerboseErrors(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		detail string
	}{
		{"go", "internal error: boom\n\ngoroutine 42 [running]:\nruntime/debug.Stack()\n\t/usr/lib/go/src/runtime/debug/stack.go:26 +0x5e", "Go stack trace"},
		{"java", "java.lang.NullPointerException\n\tat com.acme.api.UserController.get(UserController.java:42)", "Java stack trace"},
		{"python", "Traceback (most recent call last):\n  File \"/app/views.py\", line 12, in get", "Python traceback"},
		{"node", "TypeError: x is undefined\n    at Object.<anonymous> (/srv/app/index.js:10:5)", "Node.js stack trace"},
		{"php", "Fatal error: Uncaught Exception: boom in /var/www/index.php:12", "PHP error"},
		{"ruby", "app/controllers/users_controller.rb:12:in `show'", "Ruby backtrace"},
		{"dotnet", "   at Acme.Api.Users.Get(Int32 id) in C:\\src\\Users.cs:line 42", ".NET stack trace"},
		{"mysql", "You have an error in your SQL syntax; check the manual", "MySQL error"},
		{"sqlite", `SQL logic error: near "'": syntax error (1)`, "SQLite error"},
		{"json escaped", `{"error":"Traceback (most recent call last):\n  File \"/a.py\", line 1, in x"}`, "Python traceback"},
		{"oracle", "ORA-00933: SQL command not properly ended", "Oracle error"},
		{"django", "You're seeing this error because you have <code>DEBUG = True</code>", "Django debug page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := VerboseErrors([]byte(tt.body))
			if !slices.ContainsFunc(ms, func(m Match) bool { return m.Detail == tt.detail }) {
				t.Errorf("VerboseErrors(%q) = %+v, want %s", tt.body, ms, tt.detail)
			}
		})
	}
	for _, clean := range []string{
		`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error"}`,
		`{"message":"an exception occurred at the gateway"}`,
		`{"error":"invalid SQL-like filter"}`,
	} {
		if ms := VerboseErrors([]byte(clean)); len(ms) > 0 {
			t.Errorf("VerboseErrors(%q) = %+v, want none", clean, ms)
		}
	}
}

func TestMissingHeaders(t *testing.T) {
	hardened := http.Header{"X-Content-Type-Options": {"nosniff"}, "Cache-Control": {"private, no-store"}, "Content-Type": {"application/json"}}
	if got := MissingHeaders(200, hardened, 10, true); len(got) != 0 {
		t.Errorf("hardened: got %v, want none", got)
	}
	bare := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	got := MissingHeaders(200, bare, 10, true)
	want := []HeaderIssue{NoSniffMissing, NoStoreMissing, CSPMissing}
	if !slices.Equal(got, want) {
		t.Errorf("bare html: got %v, want %v", got, want)
	}
	if got := MissingHeaders(401, bare, 0, true); len(got) != 0 {
		t.Errorf("empty 401: got %v, want none", got)
	}
	if got := MissingHeaders(200, http.Header{"X-Content-Type-Options": {"nosniff"}}, 10, false); len(got) != 0 {
		t.Errorf("anonymous json: got %v, want none", got)
	}
}

func TestPermissiveCORS(t *testing.T) {
	tests := []struct {
		name   string
		origin string
		h      http.Header
		want   bool
	}{
		{"reflected with credentials", EvilOrigin, http.Header{"Access-Control-Allow-Origin": {EvilOrigin}, "Access-Control-Allow-Credentials": {"true"}}, true},
		{"null with credentials", "null", http.Header{"Access-Control-Allow-Origin": {"null"}, "Access-Control-Allow-Credentials": {"true"}}, true},
		{"reflected without credentials", EvilOrigin, http.Header{"Access-Control-Allow-Origin": {EvilOrigin}}, false},
		{"star with credentials", EvilOrigin, http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Credentials": {"true"}}, false},
		{"fixed origin", EvilOrigin, http.Header{"Access-Control-Allow-Origin": {"https://app.example"}, "Access-Control-Allow-Credentials": {"true"}}, false},
		{"none", EvilOrigin, http.Header{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PermissiveCORS(tt.origin, tt.h); got != tt.want {
				t.Errorf("PermissiveCORS = %v, want %v", got, tt.want)
			}
		})
	}
}
