package injection

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// profileUpdate is a realistic 1.5 KB JSON API body: an account update
// with free-text fields (bio, notes with a code snippet, an address with
// apostrophes), URLs and e-mail addresses. Both engines scan the same
// bytes.
const profileUpdate = `{"user":{"id":"usr_8f14e45fceea167a","name":"Siobhán O'Brien","email":"siobhan.obrien@example.ie",` +
	`"phone":"+353 1 555 0199","locale":"en-IE","timezone":"Europe/Dublin"},` +
	`"account":{"headline":"Staff engineer, payments platform","website":"https://www.example.org/~siobhan",` +
	`"bio":"I've spent ten years building payment systems - ledgers, reconciliation and the occasional 3 a.m. incident. ` +
	`These days I work on the API gateway and I'm happiest when a dashboard stays boring. Outside work: sea swimming, ` +
	`sourdough, and far too many podcasts about the history of maths.",` +
	`"links":["https://github.com/example-siobhan","https://talks.example.com/2024/idempotency-keys"]},` +
	`"address":{"line1":"12 St Patrick's Terrace","line2":"Apt 4","city":"Dún Laoghaire","postcode":"A96 X2Y3","country":"IE"},` +
	`"preferences":{"newsletter":true,"digest":"weekly","theme":"dark","notifications":{"email":true,"sms":false,"push":true}},` +
	`"notes":"Retry wrapper we discussed:\n\nfor attempt in range(3):\n    resp = client.post(url, json=payload, timeout=5)\n` +
	`    if resp.status_code < 500:\n        break\n    backoff.wait(attempt)\n\nLet's keep the backoff under 10 s; see the runbook for details.",` +
	`"status_message":"**Heads-up:** I'm on leave 3-14 June. For anything urgent, page the on-call rota or mail ` +
	`payments-oncall@example.com; for reviews, ask Tomás or Zoë (they know the ledger code best).",` +
	`"tags":["payments","api","on-call"],"updated_at":"2024-06-01T09:30:00Z","version":42}`

// getFiveParams is a search GET with five parameters.
const getFiveParams = "/api/orders?status=shipped&from=2024-01-01&to=2024-03-31&q=children%27s%20books&per_page=50"

// benchRequest returns a request whose body is rewound for every iteration.
type benchRequest struct {
	r    *http.Request
	body *bytes.Reader
}

func newBenchRequest(b *testing.B, method, target, ctype, body string) *benchRequest {
	b.Helper()
	u, err := url.Parse("http://" + testHost + target)
	if err != nil {
		b.Fatal(err)
	}
	br := &benchRequest{body: bytes.NewReader([]byte(body))}
	br.r = &http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: testHost,
		RequestURI: target, RemoteAddr: "192.0.2.10:40000", Header: http.Header{
			"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"},
			"Accept":     {"application/json"},
		}, ContentLength: int64(len(body))}
	if ctype != "" {
		br.r.Header.Set("Content-Type", ctype)
	}
	return br
}

func (br *benchRequest) next() *http.Request {
	if br.r.ContentLength > 0 {
		_, _ = br.body.Seek(0, io.SeekStart)
		br.r.Body = io.NopCloser(br.body)
	} else {
		br.r.Body = http.NoBody
	}
	return br.r
}

// BenchmarkEngines compares the native engine with the CRS at paranoia
// level 1 on the same requests (the guard's Check, body read included).
// Both requests are benign: the common case, where every input is scanned
// to the end.
func BenchmarkEngines(b *testing.B) {
	if len(profileUpdate) < 1400 || len(profileUpdate) > 1600 {
		b.Fatalf("profileUpdate is %d bytes, want about 1.5 KB", len(profileUpdate))
	}
	requests := []struct {
		name                        string
		method, target, ctype, body string
	}{
		{"json-1.5KB", http.MethodPost, "/api/profile", "application/json", profileUpdate},
		{"get-5-params", http.MethodGet, getFiveParams, "", ""},
	}
	for _, engine := range []string{EngineNative, EngineCRS} {
		g, err := New(Config{Engine: engine})
		if err != nil {
			b.Fatal(err)
		}
		for _, rq := range requests {
			b.Run(engine+"/"+rq.name, func(b *testing.B) {
				br := newBenchRequest(b, rq.method, rq.target, rq.ctype, rq.body)
				if _, err := g.Check(br.next()); err != nil {
					b.Fatalf("benign request denied: %v", err)
				}
				b.SetBytes(int64(len(rq.body) + len(rq.target)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := g.Check(br.next()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// adversarialBodies are bodies built to make a scanner slow, of about the
// given size, that a scanner must read to the end (no early verdict): one
// long run of quotes and backslashes in a single value; many values
// percent-encoded in three layers (every decoding round runs) around
// benign text; one single value encoded in layers from end to end; and
// JSON nested as deep as the default limits allow, many times over, with
// apostrophes in every leaf.
func adversarialBodies(size int) map[string]string {
	quotes := `{"q":"` + strings.Repeat(`'\"`, size/4) + `"}`
	list := func(item string) string {
		var b strings.Builder
		b.WriteString(`[`)
		for b.Len() < size-len(item)-4 {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			b.WriteString(item)
		}
		b.WriteString(`]`)
		return b.String()
	}
	layered := list(`"%252541nn%252527s%252520order%252520%25252312%252520is%252520ready"`)
	oneValue := `{"v":"` + strings.Repeat("%25252541", size/9) + `"}`
	deep := list(strings.Repeat(`{"a":[`, 15) + `"Ann O'Neil's note: it's fine"` + strings.Repeat(`]}`, 15))
	return map[string]string{"quotes": quotes, "layered-values": layered, "layered-one-value": oneValue, "deep-json": deep}
}

// BenchmarkAdversarial measures the native guard on 8 KB and 64 KB
// adversarial bodies: throughput (MB/s) must stay about flat as size grows
// (linear cost), not fall with it (quadratic).
func BenchmarkAdversarial(b *testing.B) {
	g, err := New(Config{Sensitivity: 0, MaxBodyBytes: 128 << 10})
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"quotes", "layered-values", "layered-one-value", "deep-json"} {
		for _, size := range []int{8 << 10, 64 << 10} {
			body := adversarialBodies(size)[kind]
			b.Run(fmt.Sprintf("%s/%dKB", kind, size>>10), func(b *testing.B) {
				br := newBenchRequest(b, http.MethodPost, "/api/x", "application/json", body)
				if _, err := g.Check(br.next()); err != nil {
					b.Fatalf("%s: the body must be read to the end, not denied: %v", kind, err)
				}
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					_, _ = g.Check(br.next())
				}
			})
		}
	}
}
