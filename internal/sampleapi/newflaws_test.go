package sampleapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPathTraversal(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			alice := ta.alice()

			r := ta.do("GET", "/api/files?name=welcome.txt", alice, nil)
			wantStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.body), "Welcome to the Rampart sample API") {
				t.Errorf("welcome.txt = %q", r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q, want text/plain", ct)
			}

			for _, name := range []string{
				"../private/secret.txt",
				"..%2Fprivate%2Fsecret.txt",     // decoded once more by the flaw
				"%2e%2e%2fprivate%2fsecret.txt", // likewise
				"./../private/./secret.txt",
			} {
				r := ta.do("GET", "/api/files?name="+url.QueryEscape(name), alice, nil)
				leaked := strings.Contains(string(r.body), SecretFileMarker)
				if m.hardened {
					if leaked || r.status != http.StatusNotFound {
						t.Errorf("name=%q: status %d leaked=%v, want 404 and no secret", name, r.status, leaked)
					}
					continue
				}
				if r.status != http.StatusOK || !leaked {
					t.Errorf("name=%q: status %d body %q, want the planted secret", name, r.status, r.body)
				}
			}
		})
	}
}

// TestPathTraversalStaysInSandbox: the vulnerable handler walks out of docs/
// but never out of the temporary directory.
func TestPathTraversalStaysInSandbox(t *testing.T) {
	ta := newTestAPI(t, Config{})
	alice := ta.alice()
	for _, name := range []string{
		"../../../../../../etc/passwd", "/etc/passwd", "../../" + ta.api.files.dir + "/private/secret.txt",
		"..", ".", "../private", "", "..%00/private/secret.txt",
	} {
		r := ta.do("GET", "/api/files?name="+url.QueryEscape(name), alice, nil)
		if r.status == http.StatusOK {
			t.Errorf("name=%q: status 200 body %.100q, want it refused", name, r.body)
		}
	}
}

func TestFilesSandboxRemovedByClose(t *testing.T) {
	api, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir := api.files.dir
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("sandbox missing before Close: %v", err)
	}
	if err := api.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("sandbox %s still there after Close (stat err %v)", dir, err)
	}
}

// internalService stands for something only the server can reach; it counts
// the requests that arrive.
func internalService(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "internal-only: metadata token 42"+strings.Repeat("x", 2000))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestSSRF(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			internal, hits := internalService(t)
			tls := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
			t.Cleanup(tls.Close)
			alice := ta.alice()

			for _, target := range []string{internal.URL + "/latest/meta-data", tls.URL, strings.Replace(tls.URL, "127.0.0.1", "localhost", 1)} {
				r := ta.do("POST", "/api/webhooks/test", alice, map[string]string{"url": target})
				if m.hardened {
					if r.status != http.StatusBadRequest && r.status != http.StatusBadGateway {
						t.Errorf("url %s: status %d, want 400 or 502", target, r.status)
					}
					continue
				}
				if target != internal.URL+"/latest/meta-data" {
					continue // the TLS ones fail the certificate check; the dial happened
				}
				wantStatus(t, r, http.StatusOK)
				body := r.json(t)
				preview, _ := body["body_preview"].(string)
				if body["status"] != float64(200) || !strings.HasPrefix(preview, "internal-only: metadata token 42") {
					t.Errorf("answer = %v, want the internal service's answer", body)
				}
				if len(preview) != webhookPreviewBytes {
					t.Errorf("preview is %d bytes, want it cut at %d", len(preview), webhookPreviewBytes)
				}
			}
			if m.hardened && hits.Load() != 0 {
				t.Errorf("hardened mode reached loopback services %d times", hits.Load())
			}
		})
	}
}

// TestHardenedDialerRefusesLoopback: the dial-time check holds even for a
// URL that slipped past webhookURL (a name that resolves to loopback).
func TestHardenedDialerRefusesLoopback(t *testing.T) {
	internal, hits := internalService(t)
	c := newWebhookClient(true)
	defer c.CloseIdleConnections()
	resp, err := c.Post(internal.URL, "application/json", strings.NewReader(webhookPing))
	if err == nil {
		resp.Body.Close()
		t.Fatal("hardened client reached a loopback address")
	}
	if !errors.Is(err, errForbiddenAddress) {
		t.Errorf("err = %v, want errForbiddenAddress", err)
	}
	if hits.Load() != 0 {
		t.Errorf("internal service saw %d requests", hits.Load())
	}
}

func TestWebhookURLValidation(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			alice := ta.alice()
			for _, bad := range []string{"", "not a url", "ftp://example.com/x", "file:///etc/passwd", "//no-scheme", strings.Repeat("a", 3000)} {
				r := ta.do("POST", "/api/webhooks/test", alice, map[string]string{"url": bad})
				wantStatus(t, r, http.StatusBadRequest)
			}
			wantStatus(t, ta.do("POST", "/api/webhooks/test", "", map[string]string{"url": "https://example.com"}), http.StatusUnauthorized)
		})
	}
}

func TestPublicAddr(t *testing.T) {
	for _, c := range []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true}, {"2606:4700::1111", true},
		{"127.0.0.1", false}, {"::1", false}, {"10.1.2.3", false}, {"172.16.0.1", false},
		{"192.168.1.1", false}, {"169.254.169.254", false}, {"100.64.0.1", false}, {"0.0.0.0", false},
		{"::ffff:127.0.0.1", false}, {"fd00::1", false}, {"fe80::1", false}, {"224.0.0.1", false},
		{"192.0.2.1", false}, {"64:ff9b::7f00:1", false},
	} {
		if got := publicAddr(netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("publicAddr(%s) = %v, want %v", c.ip, got, c.want)
		}
	}
}

func TestReflectedXSS(t *testing.T) {
	const payload = `<script>alert(1)</script>`
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			r := ta.do("GET", "/api/preview?text="+url.QueryEscape(payload), "", nil)
			wantStatus(t, r, http.StatusOK)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			reflected := strings.Contains(string(r.body), payload)
			if m.hardened {
				if reflected || !strings.Contains(string(r.body), "&lt;script&gt;") {
					t.Errorf("hardened preview = %s, want the text escaped", r.body)
				}
				if r.header.Get("Content-Security-Policy") == "" {
					t.Error("hardened preview has no Content-Security-Policy")
				}
				return
			}
			if !reflected {
				t.Errorf("vulnerable preview = %s, want the script reflected", r.body)
			}
		})
	}
	ta := newTestAPI(t, Config{})
	wantStatus(t, ta.do("GET", "/api/preview?text="+strings.Repeat("a", maxPreviewText+1), "", nil), http.StatusBadRequest)
}
