package injection

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// urlWords mark parameters that hold an address the server may fetch.
var urlWords = regexp.MustCompile(`(?i)url|uri|callback|webhook|hook|link|image|img|src|dest|redirect|target|endpoint|feed|proxy|fetch`)

// canaryWait bounds how long a probe waits for the target to call the
// canary after answering (a fetch done in the background).
const canaryWait = time.Second

func newSSRF() *technique {
	c := &technique{
		id: "injection.ssrf", title: "Server-side request forgery", owasp: core.API7SSRF, cwe: 918, severity: core.SeverityHigh,
		applies: func(p point) bool {
			return p.stringy() && (urlWords.MatchString(p.name) || p.format == "uri" || p.format == "url" ||
				strings.HasPrefix(p.orig, "http://") || strings.HasPrefix(p.orig, "https://"))
		},
		skipWhy:  "no URL-like parameter (url, uri, callback, webhook, link, image, src, dest, …)",
		perPoint: 3,
		planned:  "the scan's loopback canary URL with a unique token",
		remediation: func(p point) string {
			return "Fetch only from an allow-list of hosts, resolve the name and refuse private, loopback and link-local addresses " +
				"at connect time, and do not follow redirects. At the gateway, describe " + p.location() + " in the OpenAPI spec " +
				"(format: uri with a pattern naming the allowed hosts) and enable the schema guard (apis[].schema.spec_file), " +
				"with the injection guard (injection.mode: enforce; rule \"ssrf\") refusing internal addresses."
		},
	}
	c.prepare = func(s *core.Scan) error {
		if _, err := s.Canary(); err != nil {
			return fmt.Errorf("the SSRF canary listener could not start: %w", err)
		}
		return nil
	}
	c.test = ssrf
	return c
}

// ssrf puts a canary URL with a fresh token into the input; the canary must
// see that token, then a second token in a second probe; the payload-free
// control is kept as evidence that the request itself is ordinary.
func ssrf(ctx context.Context, t *trial) (*proof, string, error) {
	cn, err := t.s.Canary()
	if err != nil {
		return nil, "", err
	}
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) {
		return nil, "no answer", err
	}
	hit := func() (*core.Response, string, error) {
		tok := cn.NewToken()
		r, err := t.try(ctx, plain(cn.URL(tok)))
		if err != nil {
			return nil, "", err
		}
		if waitHit(ctx, cn, tok) {
			return r, tok, nil
		}
		return nil, "", nil
	}
	r1, tok1, err := hit()
	if err != nil || r1 == nil {
		return nil, "the canary saw no request (the canary listens on 127.0.0.1: only a target on this host can reach it)", err
	}
	r2, tok2, err := hit()
	if err != nil || r2 == nil {
		return nil, "only one of two canary tokens was fetched", err
	}
	return &proof{
		payload: cn.URL(tok1),
		detail: fmt.Sprintf("the server fetched the scan's canary URL for token %s and again for a second token %s: it requests "+
			"any address a client names, including loopback, so internal services and cloud metadata are one request away.", tok1, tok2),
		reason: "the canary received requests carrying each of two unique tokens, sent only in these two probes",
		evidence: []core.Exchange{
			noted(r1, "probe: the canary saw token "+tok1),
			noted(r2, "second probe: the canary saw token "+tok2),
			noted(base, "control: the payload-free request"),
		},
	}, "", nil
}

// waitHit polls the canary for token until canaryWait passes.
func waitHit(ctx context.Context, cn *core.Canary, token string) bool {
	deadline := time.Now().Add(canaryWait)
	for {
		if cn.Hits(token) > 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(25 * time.Millisecond):
		}
	}
}
