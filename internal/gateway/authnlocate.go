package gateway

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/guard/authn"
)

// The authenticator is built in one call from every credential the file
// configures, and its errors say what failed ("key file …: not a PEM key")
// but not which entry of the file. When the build fails, locateAuthn builds
// the entries one at a time with the same constructor to find the first
// that fails on its own, and blames that entry's field.

// locateAuthn finds the field behind err, the failure of building ac (the
// translation of cfg.Authentication) with opts.
func locateAuthn(cfg *config.Config, ac authn.Config, opts authn.Options, err error) error {
	fails := func(c authn.Config) error {
		a, err := authn.New(c, opts)
		if a != nil {
			_ = a.Close()
		}
		return err
	}
	base := authn.Config{Realm: ac.Realm, StoreFailOpen: ac.StoreFailOpen}
	if e := fails(base); e != nil {
		return authnAt("authentication.realm", e)
	}
	inline := len(cfg.Authentication.APIKeys.Keys)
	if i, e := firstFailingAlone(base, fails, ac.APIKeys.Keys, func(c *authn.Config, one []authn.APIKey) {
		c.APIKeys = ac.APIKeys
		c.APIKeys.Keys = one
	}); e != nil {
		if i >= inline { // a record of keys_file, after the inline ones
			return authnAt("authentication.api_keys.keys_file", fmt.Errorf("record %d: %w", i-inline, e))
		}
		return authnAt(fmt.Sprintf("authentication.api_keys.keys[%d]", i), e)
	}
	if i, e := firstFailingAlone(base, fails, ac.MTLS.ClientCAFiles, func(c *authn.Config, one []string) {
		c.MTLS = authn.MTLSConfig{ClientCAFiles: one}
	}); e != nil {
		return authnAt(fmt.Sprintf("authentication.mtls.client_ca_files[%d]", i), e)
	}
	if i, e := firstFailingAlone(base, fails, ac.Signatures.Keys, func(c *authn.Config, one []authn.SignatureKey) {
		c.Signatures = ac.Signatures
		c.Signatures.Keys = one
	}); e != nil {
		return authnAt(fmt.Sprintf("authentication.signatures.keys[%d]", i), e)
	}
	if i, e := firstFailingAlone(base, fails, ac.JWT.Issuers, func(c *authn.Config, one []authn.Issuer) {
		c.JWT = ac.JWT
		c.JWT.Issuers = one
	}); e != nil {
		field := fmt.Sprintf("authentication.jwt.issuers[%d]", i)
		// The issuer with one key file at a time, and nothing else to
		// fetch or require, finds the file that fails.
		is := ac.JWT.Issuers[i]
		withJWT := base
		withJWT.JWT = ac.JWT
		if j, e := firstFailingAlone(withJWT, fails, is.KeyFiles, func(c *authn.Config, one []authn.KeyFile) {
			alone := is
			alone.JWKSURL, alone.RequireKeysAtStart, alone.Keys = "", false, nil
			alone.KeyFiles = one
			c.JWT.Issuers = []authn.Issuer{alone}
		}); e != nil {
			return authnAt(fmt.Sprintf("%s.key_files[%d].path", field, j), e)
		}
		return authnAt(field, e)
	}
	// Every entry builds alone: the entries conflict (an id twice), or the
	// failure is in a section's own settings.
	for _, s := range []struct {
		field string
		with  func(*authn.Config)
	}{
		{"authentication.api_keys", func(c *authn.Config) { c.APIKeys = ac.APIKeys }},
		{"authentication.mtls", func(c *authn.Config) { c.MTLS = ac.MTLS }},
		{"authentication.signatures", func(c *authn.Config) { c.Signatures = ac.Signatures }},
		{"authentication.jwt", func(c *authn.Config) { c.JWT = ac.JWT }},
	} {
		c := base
		s.with(&c)
		if e := fails(c); e != nil {
			return authnAt(s.field, e)
		}
	}
	return authnAt("authentication", err)
}

// firstFailingAlone builds base with each entry of entries alone (put
// puts a one-entry list in its place) and returns the index and error of
// the first that fails, or a nil error when none does.
func firstFailingAlone[E any](base authn.Config, fails func(authn.Config) error, entries []E, put func(c *authn.Config, one []E)) (int, error) {
	for i, entry := range entries {
		c := base
		put(&c, []E{entry})
		if err := fails(c); err != nil {
			return i, err
		}
	}
	return -1, nil
}

func authnAt(field string, err error) error { return atFieldTrim(field, "authn: ", err) }

// routeAuthField is the auth block a route's policy comes from: its own,
// or its API's.
func routeAuthField(apiIndex int, route *config.Route, routeIndex int) string {
	if route != nil && route.Auth != nil {
		return fmt.Sprintf("apis[%d].routes[%d].auth", apiIndex, routeIndex)
	}
	return fmt.Sprintf("apis[%d].auth", apiIndex)
}

// checkRouteAuth builds a route's authentication guard as routeStages
// will, so that a failure (a client CA bundle of the route that does not
// parse, an issuer nobody configured) blames the route's auth block, and
// the CA file when one fails on its own.
func checkRouteAuth(a *authn.Authenticator, api *config.API, route *config.Route, field string) error {
	policy, err := routeAuthPolicy(api, route)
	if err != nil {
		return authnAt(field+".methods", err)
	}
	if policy == nil {
		return nil
	}
	if _, err = a.Guard(*policy); err == nil {
		return nil
	}
	for k, f := range policy.ClientCAFiles {
		one := authn.Policy{Methods: []authn.Method{authn.MethodMTLS}, ClientCAFiles: []string{f}}
		if _, e := a.Guard(one); e != nil {
			return authnAt(fmt.Sprintf("%s.client_ca_files[%d]", field, k), e)
		}
	}
	return authnAt(field, err)
}

// offlineClient fetches nothing: `rampart validate` builds JWT issuers
// without reaching their JWKS URLs (whether an identity provider answers
// is the running system's business, like whether Redis does).
var offlineClient = &http.Client{Transport: refuseTransport{}}

type refuseTransport struct{}

func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("not fetched while checking the configuration")
}
