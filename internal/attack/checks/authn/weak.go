package authn

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

//go:embed secrets.txt
var secretsTxt string

// Secrets returns the embedded list of common HMAC secrets.
func Secrets() []string {
	var out []string
	for _, line := range strings.Split(secretsTxt, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// Scan values that add crack candidates: secrets recon found in exposed
// files, and any the user supplies (a company name, a product name).
const (
	ReconSecretsKey     = "recon.secrets"
	SecretCandidatesKey = "jwt.secret_candidates"
)

// maxCandidates bounds the keys tried offline.
const maxCandidates = 20_000

// JWTWeakSecretCheck guesses the HMAC key of the profile's token offline,
// sending nothing, then proves the key by forging a token.
type JWTWeakSecretCheck struct{}

// ID implements core.Check.
func (JWTWeakSecretCheck) ID() string { return "authn.jwt_weak_secret" }

// Stage implements core.Check.
func (JWTWeakSecretCheck) Stage() core.Stage { return core.StageAuthn }

// Title implements core.Check.
func (JWTWeakSecretCheck) Title() string { return "Weak JWT HMAC secret" }

// Plan implements core.Check.
func (c JWTWeakSecretCheck) Plan(s *core.Scan) []core.PlannedRequest {
	return []core.PlannedRequest{referencePlan(s), {Endpoint: "reference endpoint",
		Class: fmt.Sprintf("offline: %d common secrets (plus recon's and jwt.secret_candidates) against user1's HS token; then one token forged with the key found", len(Secrets())), Count: 1}}
}

// crackHMAC returns the candidate that produced the token's signature.
func crackHMAC(t *jwtToken, candidates []string) (string, bool) {
	var h func() hash.Hash
	switch t.alg() {
	case "HS256":
		h = sha256.New
	case "HS384":
		h = sha512.New384
	case "HS512":
		h = sha512.New
	default:
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(t.sigSeg, "="))
	if err != nil || len(sig) == 0 {
		return "", false
	}
	input := []byte(t.signingInput())
	for _, cand := range candidates {
		m := hmac.New(h, []byte(cand))
		m.Write(input)
		if hmac.Equal(m.Sum(nil), sig) {
			return cand, true
		}
	}
	return "", false
}

// candidates gathers the keys to try: the user's and recon's first (most
// likely), then the embedded list; bounded and without duplicates.
func candidates(s *core.Scan) []string {
	var out []string
	seen := map[string]bool{}
	add := func(vs []string) {
		for _, v := range vs {
			if v != "" && !seen[v] && len(out) < maxCandidates {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	if v, ok := s.Get(SecretCandidatesKey).([]string); ok {
		add(v)
	}
	if v, ok := s.Get(ReconSecretsKey).([]string); ok {
		add(v)
	}
	add(Secrets())
	return out
}

// Run implements core.Check.
func (c JWTWeakSecretCheck) Run(ctx context.Context, s *core.Scan) error {
	r, err := jwtReference(ctx, s, c.ID())
	if err != nil {
		return err
	}
	key := r.op.Key()
	if !r.tok.hmacAlg() {
		reason := fmt.Sprintf("%s's token is %s, not HMAC-signed", r.cred.profile, r.tok.alg())
		s.Cover(key, c.ID(), core.Skipped, reason)
		return core.Skip(reason)
	}
	cands := candidates(s)
	secret, ok := crackHMAC(r.tok, cands)
	if !ok {
		s.CoverAs(key, c.ID(), core.Tested, fmt.Sprintf("none of %d candidate keys signs the token", len(cands)), r.cred.profile)
		return nil
	}
	// Prove it: user's own claims, a fresh iat and a later exp, signed
	// with the key found. Only a verifier holding that key accepts it.
	now := time.Now()
	exp := now.Add(10 * time.Minute)
	if old, ok := r.tok.numericClaim("exp"); ok && old.After(now) {
		exp = old.Add(10 * time.Minute)
	}
	claims := r.tok.withClaims(map[string]any{"iat": now.Unix(), "exp": exp.Unix()})
	payload := encodeSegment(claims)
	method := jwt.GetSigningMethod(r.tok.alg())
	sig, err := method.Sign(r.tok.headerSeg+"."+payload, []byte(secret))
	if err != nil {
		return fmt.Errorf("signing the proof token: %w", err)
	}
	resp, err := r.send(ctx, s, c.ID(), r.tok.headerSeg+"."+payload+"."+base64.RawURLEncoding.EncodeToString(sig))
	if probe.Stopped(ctx, err) {
		s.Cover(key, c.ID(), core.NotReached, err.Error())
		return err
	}
	s.CoverAs(key, c.ID(), core.Tested, "", r.cred.profile)
	if err != nil || !r.accepted(resp) {
		return nil // the key signs old tokens but the API no longer takes it
	}
	raw, _ := json.Marshal(claims)
	s.Report(r.finding(c.ID(), forged{
		title:    "JWT HMAC secret is guessable",
		cwe:      1391,
		severity: core.SeverityCritical,
		description: fmt.Sprintf("%s's %s token is signed with the key %s (masked), found offline in a list of %d common secrets without sending a request. "+
			"A token forged with it for %s's claims and a later expiry was accepted: anyone can mint tokens for any user and role. "+
			"Rotate the key (at least 32 random bytes, RFC 7518 §3.2) and revoke every token signed with the old one.",
			r.cred.profile, r.tok.alg(), probe.Mask(secret), len(cands), r.cred.profile),
		setup: b64url + "\n# RAMPART_JWT_KEY: the recovered key (masked in the description)\n" +
			`H="` + tokenPart(r.cred.profile, "1") + `"; P="$(` + printfJSON(string(raw)) + ` | b64url)"` + "\n" +
			`RAMPART_SECRET="$H.$P.$(printf '%s' "$H.$P" | openssl dgst -` + shaName(r.tok.alg()) + ` -hmac "$RAMPART_JWT_KEY" -binary | b64url)"`,
		resp: resp,
		note: "forged token: the real header, claims " + string(raw) + ", signed with the recovered key",
		remediation: "Sign tokens with a random key of at least 32 bytes, or with a key pair. With Rampart in front, verify tokens at the gateway " +
			"(authentication.jwt.issuers[] with key_files holding the new key and algorithms pinned) and require JWT on the routes (apis[].auth).",
	}))
	return nil
}

func shaName(alg string) string {
	switch alg {
	case "HS384":
		return "sha384"
	case "HS512":
		return "sha512"
	}
	return "sha256"
}
