package recon

import (
	"net/http"
	"testing"
)

// FuzzFingerprints: banners, framework pages and every file validator on
// any answer: no panic, bounded output.
func FuzzFingerprints(f *testing.F) {
	f.Add([]byte("[core]\nrepositoryformatversion = 0"), "nginx/1.2.3")
	f.Add([]byte("A=1\nB=2\n"), "")
	f.Add([]byte(`{"_links":{},"memstats":{},"jwt_secret":"abcdefghij"}`), "Go")
	f.Add([]byte("PK\x03\x04rest"), "Apache/2.4 (Unix)")
	f.Add([]byte(openAPIDoc), "x")
	f.Add([]byte(`{"data":{"__schema":{"types":[1]}}}`), "")
	f.Fuzz(func(t *testing.T, body []byte, server string) {
		h := http.Header{"Server": {server}, "X-Powered-By": {server}}
		for _, b := range Banners(h) {
			if len(b.Value) > maxBannerLen {
				t.Fatalf("banner of %d bytes", len(b.Value))
			}
		}
		if got := Frameworks(body); len(got) > len(frameworks) {
			t.Fatalf("%d frameworks", len(got))
		}
		for _, ef := range exposedFiles {
			_, _ = ef.proves(h, body)
		}
		_ = envValues(body)
		_, _ = IntrospectionTypes(body)
	})
}
