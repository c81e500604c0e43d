package gateway

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTLSThroughGateway checks the HTTPS listener as rampart.yaml
// configures it: a dev certificate, HTTP/2 and HSTS on HTTPS answers only
// (RFC 6797 §7.2), and no TLS below 1.2 (RFC 8996).
func TestTLSThroughGateway(t *testing.T) {
	g := startGateway(t, gwConfig{
		listen: `  http: "127.0.0.1:0"
  https: "127.0.0.1:0"
  tls:
    dev: true
  hsts:
    enabled: true
    max_age: 600
    include_subdomains: true
`,
		rest: fmt.Sprintf("apis:\n  - name: app\n    upstreams: [%q]\n", textUpstream(t, "secure").URL),
	})
	httpsAddr := g.svc.HTTPSAddr()
	if httpsAddr == "" {
		t.Fatal("no HTTPS listener")
	}

	// The dev certificate is self-signed: skipping verification is the
	// documented way to try it out, and what this test is about is the
	// listener, not the PKI.
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"},
		ForceAttemptHTTP2: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: waitFor}
	resp, body := get(t, client, "https://"+httpsAddr+"/x")
	if resp.StatusCode != http.StatusOK || body != "secure" {
		t.Fatalf("HTTPS: %d %q, want 200 secure", resp.StatusCode, body)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("HTTPS protocol = %s, want HTTP/2", resp.Proto)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS state %+v, want TLS 1.2 or later", resp.TLS)
	}
	if got, want := resp.Header.Get("Strict-Transport-Security"), "max-age=600; includeSubDomains"; got != want {
		t.Errorf("Strict-Transport-Security = %q, want %q", got, want)
	}
	// An error answered by the gateway itself carries HSTS too.
	if resp, _ := get(t, client, "https://"+httpsAddr+"/a/../b"); resp.StatusCode != http.StatusBadRequest ||
		resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("HTTPS 400: status %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}

	resp, _ = get(t, g.client, g.url("/x"))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTP: status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP answer carries Strict-Transport-Security %q", got)
	}

	for _, max := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		t.Run(tls.VersionName(max)+" refused", func(t *testing.T) {
			dialer := &net.Dialer{Timeout: waitFor}
			conn, err := tls.DialWithDialer(dialer, "tcp", httpsAddr, &tls.Config{
				InsecureSkipVerify: true, ServerName: "localhost",
				MinVersion: tls.VersionTLS10, MaxVersion: max,
			})
			if err == nil {
				v := conn.ConnectionState().Version
				conn.Close()
				t.Fatalf("handshake succeeded with %s", tls.VersionName(v))
			}
		})
	}

	// A plain-HTTP request on the TLS port is not served.
	conn, err := net.DialTimeout("tcp", httpsAddr, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(waitFor))
	if _, err := io.WriteString(conn, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(conn)
	if strings.Contains(string(reply), "secure") {
		t.Errorf("plain HTTP on the TLS port was proxied: %q", reply)
	}
}
