package sampleapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Bounds of POST /api/webhooks/test: a webhook that hangs or streams cannot
// hold the handler or fill its memory.
const (
	webhookTimeout      = 3 * time.Second
	webhookPreviewBytes = 512
	maxWebhookURL       = 2048
)

// webhookPing is the body sent to the webhook under test.
const webhookPing = `{"event":"ping","source":"sampleapi"}`

// errForbiddenAddress is the hardened dialer's refusal of a non-public address.
var errForbiddenAddress = errors.New("address is not a public unicast address")

// newWebhookClient builds the client that calls webhooks. Neither mode uses
// a proxy from the environment: the sample API talks to what it is given.
func newWebhookClient(hardened bool) *http.Client {
	dialer := &net.Dialer{Timeout: webhookTimeout}
	if hardened {
		// Checked at connect time, on the address actually dialled, so
		// a name that resolves (or re-resolves, DNS rebinding) to an
		// internal address is refused too.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddr(ap.Addr()) {
				return errForbiddenAddress
			}
			return nil
		}
	}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   webhookTimeout,
		ResponseHeaderTimeout: webhookTimeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	c := &http.Client{Transport: tr, Timeout: webhookTimeout}
	if hardened {
		// A redirect is a second URL nobody validated.
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// publicAddr reports whether ip is a globally routable unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsLoopback(), ip.IsPrivate(), ip.IsUnspecified(),
		ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsMulticast(),
		ip.IsInterfaceLocalMulticast():
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// nonPublicPrefixes are special-purpose ranges (RFC 6890) that the netip
// predicates do not cover: "this network", carrier-grade NAT, benchmarking,
// documentation, IPv4-mapped/NAT64 translation and reserved space.
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}

type webhookTestRequest struct {
	URL string `json:"url"`
}

// testWebhook sends a ping to a webhook URL and shows what came back, so a
// user can check an integration before saving it.
func (a *API) testWebhook(w http.ResponseWriter, r *http.Request, _ principal) {
	var in webhookTestRequest
	if err := decodeJSON(w, r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "body must be {\"url\": string}")
		return
	}
	u, msg := a.webhookURL(in.URL)
	if msg != "" {
		writeProblem(w, http.StatusBadRequest, msg)
		return
	}
	// DELIBERATE FLAW (CWE-918, server-side request forgery; OWASP API7):
	// in vulnerable mode webhookURL accepts any http(s) URL and the client
	// dials any address, so http://127.0.0.1:…/ or http://169.254.169.254/
	// reaches services only the server can see, and the preview below
	// hands their answer back.
	ctx, cancel := context.WithTimeout(r.Context(), webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader([]byte(webhookPing)))
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "url is not a valid webhook address")
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "sampleapi-webhook/1.0")
	resp, err := a.webhooks.Do(req)
	if err != nil {
		a.log.InfoContext(r.Context(), "webhook test failed", "err", err)
		writeProblem(w, http.StatusBadGateway, "the webhook could not be reached")
		return
	}
	defer resp.Body.Close()
	preview, _ := io.ReadAll(io.LimitReader(resp.Body, webhookPreviewBytes)) // a short read still previews
	writeJSON(w, http.StatusOK, map[string]any{
		"status":       resp.StatusCode,
		"content_type": resp.Header.Get("Content-Type"),
		"body_preview": string(preview),
	})
}

// webhookURL parses and vets a webhook address; msg says what is wrong.
func (a *API) webhookURL(raw string) (*url.URL, string) {
	if raw == "" || len(raw) > maxWebhookURL {
		return nil, fmt.Sprintf("url is required and at most %d bytes", maxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, "url must be an absolute http or https URL"
	}
	if !a.cfg.Hardened {
		return u, ""
	}
	if u.Scheme != "https" {
		return nil, "url must use https"
	}
	if u.User != nil {
		return nil, "url must not carry credentials"
	}
	// Literal addresses are refused here with a clear message; names are
	// refused by the dialer once resolved.
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !publicAddr(ip) {
		return nil, "url must point to a public address"
	}
	if u.Hostname() == "localhost" {
		return nil, "url must point to a public address"
	}
	return u, ""
}
