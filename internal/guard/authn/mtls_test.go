package authn

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"
)

// mtlsClient is a client of gw presenting cert (none when cert is nil).
func mtlsClient(gw *gateway, cert *tls.Certificate) *http.Client {
	tr := gw.srv.Client().Transport.(*http.Transport).Clone()
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: tr}
}

// listenerTLS requests client certificates without verifying them: the
// route's CA pool decides (real TLS handshakes).
func listenerTLS() *tls.Config { return &tls.Config{ClientAuth: tls.RequestClientCert} }

func TestMTLS(t *testing.T) {
	clock := newClock()
	now := clock.Now()
	dir := t.TempDir()
	caA := newCA(t, "partner-ca-a", now)
	caB := newCA(t, "partner-ca-b", now)
	inter := caA.intermediate(t, "partner-ca-a-issuing", now)

	a := mustNew(t, Config{MTLS: MTLSConfig{ClientCAFiles: []string{caA.writePEM(t, dir)}}}, Options{Now: clock.Now})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodMTLS}}), listenerTLS())
	get := func(cert *tls.Certificate) result {
		return gw.do(t, mtlsClient(gw, cert), gw.request(t, http.MethodGet, "/", ""))
	}

	good := caA.issue(t, leafOpts{cn: "partner-a"}, now)
	id := wantAllowed(t, get(&good), "partner-a")
	if id.Method != "mtls" || !strings.HasPrefix(id.KeyID, "sha256:") {
		t.Errorf("identity %+v", id)
	}
	chained := inter.issue(t, leafOpts{cn: "partner-a2"}, now, inter)
	wantAllowed(t, get(&chained), "partner-a2")

	for _, tt := range []struct {
		name string
		cert *tls.Certificate
		rule string
	}{
		{"wrong CA", ptr(caB.issue(t, leafOpts{cn: "partner-b"}, now)), RuleMTLSUntrusted},
		{"no client-auth usage", ptr(caA.issue(t, leafOpts{cn: "server", usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, now)), RuleMTLSUntrusted},
		{"expired", ptr(caA.issue(t, leafOpts{cn: "old", notAfter: now.Add(-time.Minute)}, now)), RuleMTLSUntrusted},
		{"intermediate not sent", ptr(inter.issue(t, leafOpts{cn: "lonely"}, now)), RuleMTLSUntrusted},
		{"no common name", ptr(caA.issue(t, leafOpts{}, now)), RuleMTLSNoSubject},
		{"no certificate", nil, RuleMissing},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantDenied(t, get(tt.cert), tt.rule)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestMTLSPerRouteCA: one Authenticator, two routes trusting different
// CAs; a certificate is good on its partner's route only.
func TestMTLSPerRouteCA(t *testing.T) {
	clock := newClock()
	now := clock.Now()
	dir := t.TempDir()
	caA, caB := newCA(t, "ca-a", now), newCA(t, "ca-b", now)
	a := mustNew(t, Config{MTLS: MTLSConfig{
		ClientCAFiles: []string{caA.writePEM(t, dir)},
		SubjectFrom:   SubjectFromSANURI,
		Subjects: map[string]Grants{
			"spiffe://partners/a": {Tenant: "a", Scopes: []string{"orders:read"}},
			"spiffe://partners/b": {Tenant: "b"},
		},
	}}, Options{Now: clock.Now})
	routeA := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodMTLS}}), listenerTLS())
	routeB := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodMTLS}, ClientCAFiles: []string{caB.writePEM(t, dir)}}), listenerTLS())

	certA := caA.issue(t, leafOpts{cn: "a", uri: "spiffe://partners/a"}, now)
	certB := caB.issue(t, leafOpts{cn: "b", uri: "spiffe://partners/b"}, now)
	stranger := caA.issue(t, leafOpts{cn: "c", uri: "spiffe://partners/c"}, now)
	noURI := caA.issue(t, leafOpts{cn: "d"}, now)

	id := wantAllowed(t, routeA.do(t, mtlsClient(routeA, &certA), routeA.request(t, http.MethodGet, "/", "")), "spiffe://partners/a")
	if id.Tenant != "a" || len(id.Scopes) != 1 {
		t.Errorf("grants not applied: %+v", id)
	}
	wantDenied(t, routeA.do(t, mtlsClient(routeA, &certB), routeA.request(t, http.MethodGet, "/", "")), RuleMTLSUntrusted)
	wantAllowed(t, routeB.do(t, mtlsClient(routeB, &certB), routeB.request(t, http.MethodGet, "/", "")), "spiffe://partners/b")
	wantDenied(t, routeB.do(t, mtlsClient(routeB, &certA), routeB.request(t, http.MethodGet, "/", "")), RuleMTLSUntrusted)
	wantDenied(t, routeA.do(t, mtlsClient(routeA, &stranger), routeA.request(t, http.MethodGet, "/", "")), RuleMTLSSubjectNotAllowed)
	wantDenied(t, routeA.do(t, mtlsClient(routeA, &noURI), routeA.request(t, http.MethodGet, "/", "")), RuleMTLSNoSubject)
}

func TestMTLSConfigErrors(t *testing.T) {
	if _, err := New(Config{MTLS: MTLSConfig{SubjectFrom: "serial"}}, Options{}); err == nil {
		t.Error("unknown subject_from accepted")
	}
	if _, err := New(Config{MTLS: MTLSConfig{ClientCAFiles: []string{"/nonexistent.pem"}}}, Options{}); err == nil {
		t.Error("missing CA file accepted")
	}
	a := mustNew(t, Config{}, Options{})
	if _, err := a.Guard(Policy{Methods: []Method{MethodMTLS}}); err == nil {
		t.Error("mtls policy without any CA accepted")
	}
}
