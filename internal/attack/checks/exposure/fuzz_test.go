package exposure

import (
	"net/http"
	"testing"
)

var fuzzSeeds = []string{
	`{"card_number":"4111111111111111","card_cvv":"123","api_secret":"sapi_secret_alice_7d3f0c9e2b1a48e6"}`,
	`{"users":[{"email":"a@b.co","password_hash":"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}]}`,
	"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d",
	"Traceback (most recent call last):\n  File \"/a.py\", line 1, in x",
	"SSN 123-45-6789 AKIAIOSFODNN7EXAMPLE -----BEGIN PRIVATE KEY-----",
	`[[[[[[[[[[{"a":{"b":[1,2,{"cvv":"999"}]}}]]]]]]]]]]`,
	"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
	"postgres://u:password@h/db",
	"",
}

// FuzzSensitiveData: any body, no panic, bounded output, values taken from
// the body.
func FuzzSensitiveData(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms := SensitiveData(body)
		if len(ms) > maxMatches {
			t.Fatalf("%d matches, bound %d", len(ms), maxMatches)
		}
		for _, m := range ms {
			if len(m.Value) > maxValueLen || m.Value == "" {
				t.Fatalf("match value of %d bytes", len(m.Value))
			}
		}
		if len(Emails(body)) > maxEmails {
			t.Fatal("too many emails")
		}
	})
}

// FuzzVerboseErrors: any body, no panic, bounded output.
func FuzzVerboseErrors(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms := VerboseErrors(body)
		if len(ms) > len(errorSignatures) {
			t.Fatalf("%d matches from %d signatures", len(ms), len(errorSignatures))
		}
		for _, m := range ms {
			if len(m.Value) > maxValueLen {
				t.Fatalf("match value of %d bytes", len(m.Value))
			}
		}
	})
}

// FuzzHeaders: any header values, no panic.
func FuzzHeaders(f *testing.F) {
	f.Add("text/html; charset=utf-8", "no-store", "nosniff", EvilOrigin, "true")
	f.Add("", "", "", "", "")
	f.Add(";;;=", "no-store,,", "NOSNIFF ", "null", "TRUE")
	f.Fuzz(func(t *testing.T, ct, cc, xcto, acao, acac string) {
		h := http.Header{"Content-Type": {ct}, "Cache-Control": {cc}, "X-Content-Type-Options": {xcto},
			"Access-Control-Allow-Origin": {acao}, "Access-Control-Allow-Credentials": {acac}}
		if got := MissingHeaders(200, h, 1, true); len(got) > 3 {
			t.Fatalf("%d issues", len(got))
		}
		_ = PermissiveCORS(EvilOrigin, h)
	})
}
