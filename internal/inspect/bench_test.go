package inspect

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// loop runs op b.N times, as b.Loop decides, and reports the CPU time
// per op next to the wall-clock ns/op.
func loop(b *testing.B, op func()) {
	b.Helper()
	b.ReportAllocs()
	start, ok := processCPUTime()
	for b.Loop() {
		op()
	}
	if end, ok2 := processCPUTime(); ok && ok2 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkCheckJSON(b *testing.B) {
	body := []byte(apiBody)
	b.SetBytes(int64(len(body)))
	loop(b, func() {
		if err := CheckJSON(body, Limits{}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkJSONValid is the baseline: encoding/json's validity check
// alone, without any of CheckJSON's limits.
func BenchmarkJSONValid(b *testing.B) {
	body := []byte(apiBody)
	b.SetBytes(int64(len(body)))
	loop(b, func() {
		if !json.Valid(body) {
			b.Fatal("invalid")
		}
	})
}

func BenchmarkWalkJSON(b *testing.B) {
	body := []byte(apiBody)
	b.SetBytes(int64(len(body)))
	n := 0
	loop(b, func() {
		if err := WalkJSON(body, Limits{}, func(string, bool, string) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkJSONUnmarshal is the baseline for WalkJSON: decoding the same
// body into an interface{} with encoding/json.
func BenchmarkJSONUnmarshal(b *testing.B) {
	body := []byte(apiBody)
	b.SetBytes(int64(len(body)))
	loop(b, func() {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	})
}

func benchExtract(b *testing.B, r *http.Request, body []byte) {
	b.Helper()
	b.SetBytes(int64(len(body)))
	n := 0
	loop(b, func() {
		n = 0
		if err := Extract(r, body, Options{}, func(*Input) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(n), "inputs/op")
}

func browserHeaders(r *http.Request) {
	r.Header.Set("User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15")
	r.Header.Set("Referer", "https://shop.example.com/catalog/electronics")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x")
}

// BenchmarkExtractGET: a search with five query parameters.
func BenchmarkExtractGET(b *testing.B) {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/products/search?q=wireless+mouse&category=electronics&sort=price_asc&page=2&limit=20", nil)
	browserHeaders(r)
	benchExtract(b, r, nil)
}

// BenchmarkExtractJSONPost: the 1.5 KB order body.
func BenchmarkExtractJSONPost(b *testing.B) {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/orders", nil)
	browserHeaders(r)
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	benchExtract(b, r, []byte(apiBody))
}

// BenchmarkExtractFormPost: a sign-up form.
func BenchmarkExtractFormPost(b *testing.B) {
	body := "username=jane.doe&email=jane.doe%40example.com&password=correct+horse+battery+staple&" +
		"first_name=Jane&last_name=Doe&country=FR&newsletter=on&referral=spring%5Fsale&csrf_token=8f14e45fceea167a5a36dedd4bea2543"
	r := httptest.NewRequest(http.MethodPost, "/account/signup", nil)
	browserHeaders(r)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	benchExtract(b, r, []byte(body))
}

// adversarialBodies are JSON bodies built to hit a parser's slow paths,
// each of about size bytes. Compare ns/op at 8 KB and 64 KB: linear time
// is a ratio near 8, per byte (MB/s) the same.
var adversarialBodies = map[string]func(size int) string{
	// One string of escaped quotes: every byte takes the escape path.
	"quotes": func(size int) string { return `["` + strings.Repeat(`\"`, (size-4)/2) + `"]` },
	// One string of escaped backslashes.
	"backslashes": func(size int) string { return `["` + strings.Repeat(`\\`, (size-4)/2) + `"]` },
	// \u escapes of surrogate pairs, the longest escape path.
	"surrogates": func(size int) string { return `"` + strings.Repeat(`\ud83d\ude00`, (size-2)/12) + `"` },
	// Unbounded nesting: refused at MaxDepth, whatever the size.
	"nested": func(size int) string { return nested(size / 2) },
	// Objects of 1000 keys (the MaxKeys default), one after another: every
	// key goes through the duplicate index.
	"keys1000": func(size int) string {
		var b strings.Builder
		b.WriteByte('[')
		for n := 0; b.Len() < size-16; n++ {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('{')
			for k := 0; k < 1000 && b.Len() < size-16; k++ {
				if k > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"%04d":1`, k)
			}
			b.WriteByte('}')
		}
		b.WriteByte(']')
		return b.String()
	},
	// Many small objects, each repeating one key: refused at the first.
	"duplicates": func(size int) string {
		return "[" + strings.Repeat(`{"a":1,"a":1},`, (size-16)/14) + `{}]`
	},
	// Many small objects that are each distinct but share every key.
	"objects": func(size int) string {
		return "[" + strings.Repeat(`{"a":1,"b":"x"},`, (size-16)/16) + `{}]`
	},
}

func BenchmarkCheckJSONAdversarial(b *testing.B) {
	for _, name := range []string{"quotes", "backslashes", "surrogates", "nested", "keys1000", "duplicates", "objects"} {
		for _, size := range []int{8 << 10, 64 << 10} {
			body := []byte(adversarialBodies[name](size))
			b.Run(fmt.Sprintf("%s/%dKB", name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				loop(b, func() { _ = CheckJSON(body, Limits{}) })
			})
		}
	}
}

// longKeyBody is a key as long as MaxPathLen allows above an array of
// short strings: every string's pointer repeats the key, the most
// reporting a body of this size can cost.
func longKeyBody(size int) string {
	key := strings.Repeat("k", DefaultLimits().MaxPathLen-8)
	return `{"` + key + `":[` + strings.Repeat(`"abcdefgh",`, (size-len(key)-16)/11) + `""]}`
}

// BenchmarkExtractAdversarial runs bodies through the whole of Extract,
// reporting included, at 8 KB and 64 KB.
func BenchmarkExtractAdversarial(b *testing.B) {
	shapes := map[string]func(int) string{
		"longkey":  longKeyBody,
		"keys1000": adversarialBodies["keys1000"],
		"objects":  adversarialBodies["objects"],
		"quotes":   adversarialBodies["quotes"],
	}
	for _, name := range []string{"longkey", "keys1000", "objects", "quotes"} {
		for _, size := range []int{8 << 10, 64 << 10} {
			body := []byte(shapes[name](size))
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("Content-Type", "application/json")
			b.Run(fmt.Sprintf("%s/%dKB", name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				loop(b, func() {
					if err := Extract(r, body, Options{}, func(*Input) error { return nil }); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

func TestAdversarialBodiesParse(t *testing.T) {
	want := map[string]string{"nested": CodeJSONTooDeep, "duplicates": CodeDuplicateKey}
	for name, gen := range adversarialBodies {
		for _, size := range []int{8 << 10, 64 << 10} {
			body := gen(size)
			if len(body) < size*9/10 || len(body) > size {
				t.Errorf("%s at %d bytes is %d bytes", name, size, len(body))
			}
			if want[name] == "" && !json.Valid([]byte(body)) {
				t.Errorf("%s is not valid JSON", name)
			}
			err := CheckJSON([]byte(body), Limits{})
			if want[name] == "" {
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				continue
			}
			checkErr(t, err, want[name], "")
		}
	}
	for _, size := range []int{8 << 10, 64 << 10} {
		if err := CheckJSON([]byte(longKeyBody(size)), Limits{}); err != nil {
			t.Errorf("longkey at %d bytes: %v", size, err)
		}
	}
}
