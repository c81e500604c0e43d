package main

import (
	"fmt"
	"io"
	"net/http"

	"github.com/rampartsec/rampart/internal/guard/authn"
)

// The rate-limiting figure: what IP and identity rate limits cost a
// gateway that authenticates its clients. Both targets are
// rampart-noguards plus API-key authentication on the API; the second adds
// two global policies, one keyed by client IP (checked before
// authentication) and one by identity (after it), with limits so high that
// nothing is ever refused, in the default in-memory store. The two sit
// next to each other in every round, and the report gives the ratio.

// benchKeyID is the id of the one API key (the <id> of rk_<id>_<secret>).
const benchKeyID = "bench"

// apiKeyHeader is the header the generator sends the key in (Rampart's
// default for api_keys.header).
const apiKeyHeader = "X-API-Key"

// authAPIYAML goes into the API's mapping: every route needs an API key.
const authAPIYAML = `    auth:
      methods: [api_key]
`

// rateLimitsYAML is the two global policies: per client IP (burst as high
// as the rate, so the 32 connections never queue on a token) and per
// identity, with a per-second and a daily limit as a real plan would have.
// Every limit is far above what two cores can serve.
const rateLimitsYAML = `rate_limits:
  - name: per-ip
    key: ip
    global: true
    limits:
      - {requests: 100000000, per: 1s, burst: 100000000}
  - name: per-user
    key: identity
    global: true
    limits:
      - {requests: 100000000, per: 1s}
      - {requests: 1000000000, per: 24h}
`

// authYAML is rampart-noguards with API-key authentication for the one key
// whose hash is keyHash, and with limits the two rate-limit policies.
func authYAML(upstream string, conns int, keyHash string, limits bool) string {
	y := noGuardsYAMLWith(upstream, conns, authAPIYAML) + fmt.Sprintf(`authentication:
  api_keys:
    keys:
      - id: %s
        hashes: [%q]
`, benchKeyID, keyHash)
	if limits {
		y += rateLimitsYAML
	}
	return y
}

// startAuthTargets makes a fresh API key and starts rampart-auth and
// rampart-auth-limits with it; the generator sends the key on every
// request to them.
func (l *lab) startAuthTargets(upstream string, conns int, logw io.Writer) error {
	key, hash, err := authn.GenerateKey(benchKeyID)
	if err != nil {
		return fmt.Errorf("generating the bench api key: %w", err)
	}
	header := http.Header{}
	header.Set(apiKeyHeader, key)
	for _, g := range []struct {
		name   string
		limits bool
	}{{targetRampartAuth, false}, {targetRampartAuthLimits, true}} {
		base, err := l.startRampart(g.name, authYAML(upstream, conns, hash, g.limits), logw)
		if err != nil {
			return fmt.Errorf("starting %s: %w", g.name, err)
		}
		l.targets = append(l.targets, target{name: g.name, base: base, header: header})
	}
	return nil
}
