package authn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/sign"
)

// maxNonceLen bounds a nonce: it is stored, and chosen by the client.
const maxNonceLen = 256

type signatureKey struct {
	key     sign.PublicKey
	subject string
	grants  Grants
}

type signatureVerifier struct {
	keys         map[string]*signatureKey
	required     []string
	maxAge       time.Duration
	skew         time.Duration
	requireNonce bool
	label        string
	tag          string
	maxBody      int64
}

func newSignatureVerifier(cfg SignatureConfig, a *Authenticator) (*signatureVerifier, error) {
	v := &signatureVerifier{keys: make(map[string]*signatureKey, len(cfg.Keys)), maxAge: cfg.MaxAge, skew: cfg.ClockSkew,
		requireNonce: !cfg.AllowNoNonce, label: cfg.Label, tag: cfg.Tag, maxBody: cfg.MaxBodyBytes}
	if v.maxAge == 0 {
		v.maxAge = DefaultSignatureMaxAge
	}
	if v.skew == 0 {
		v.skew = DefaultSignatureSkew
	}
	if v.maxBody == 0 {
		v.maxBody = DefaultSignatureMaxBody
	}
	if v.maxAge < 0 || v.skew < 0 || v.maxBody < 0 {
		return nil, errors.New("signatures: max age, clock skew and max body must not be negative")
	}
	for _, name := range cfg.RequiredComponents {
		c, err := sign.ParseComponent(name)
		if err != nil {
			return nil, fmt.Errorf("signatures: required component: %w", err)
		}
		v.required = append(v.required, c.Name)
	}
	for _, k := range cfg.Keys {
		sk, err := newSignatureKey(k)
		if err != nil {
			return nil, fmt.Errorf("signature key %q: %w", k.ID, err)
		}
		if _, dup := v.keys[k.ID]; dup {
			return nil, fmt.Errorf("signature key %q appears twice", k.ID)
		}
		v.keys[k.ID] = sk
	}
	if len(v.keys) > 0 && v.requireNonce && a.nonces == nil {
		return nil, errors.New("signatures: nonces are required but no nonce store was given")
	}
	return v, nil
}

func newSignatureKey(k SignatureKey) (*signatureKey, error) {
	var pk sign.PublicKey
	var err error
	alg := sign.Algorithm(k.Algorithm)
	switch {
	case k.KeyFile != "":
		if pk, err = sign.LoadPublicKey(k.KeyFile, k.ID, alg); err != nil {
			return nil, err
		}
	case k.Secret != nil:
		pk = sign.PublicKey{ID: k.ID, Algorithm: alg, Secret: k.Secret}
		if alg == "" {
			pk.Algorithm = sign.HMACSHA256
		}
	default:
		pk = sign.PublicKey{ID: k.ID, Algorithm: alg, Public: k.Public}
		if alg == "" {
			if pk.Algorithm, err = sign.AlgorithmFor(k.Public); err != nil {
				return nil, err
			}
		}
	}
	if err := pk.Validate(); err != nil {
		return nil, err
	}
	sk := &signatureKey{key: pk, subject: k.Subject, grants: k.Grants.clipped()}
	if sk.subject == "" {
		sk.subject = k.ID
	}
	return sk, nil
}

// authenticateSignature verifies the RFC 9421 signature of r; (nil, nil)
// when r carries no Signature-Input. The order matters: policy checks that
// cost nothing, then the signature, then the body digest, and the nonce is
// recorded last, so that only a fully valid request uses it up.
func (a *Authenticator) authenticateSignature(r *http.Request) (*pipeline.Identity, *failure) {
	v := a.sigs
	if len(r.Header[sign.HeaderSignatureInput]) == 0 {
		return nil, nil
	}
	sigs, err := sign.ParseSignatures(r.Header)
	if err != nil {
		return nil, fail(RuleSignatureMalformed, err)
	}
	sig, key := v.pick(sigs)
	if key == nil {
		return nil, fail(RuleSignatureUnknownKey, fmt.Errorf("no signature with a known keyid (first: %q)", sigs[0].Params.KeyID))
	}
	p := &sig.Params
	hasBody := r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
	if f := v.checkParams(p, key, hasBody, a.now()); f != nil {
		return nil, f
	}
	base, err := sign.Base(r, p)
	if err != nil {
		if errors.Is(err, sign.ErrMissingComponent) {
			return nil, fail(RuleSignatureMissingComponent, err)
		}
		return nil, fail(RuleSignatureMalformed, err)
	}
	if err := key.key.Verify(base, sig.Value); err != nil {
		return nil, fail(RuleSignatureInvalid, fmt.Errorf("label %q, key %q: %w", sig.Label, key.key.ID, err))
	}
	if hasBody || p.Covers(sign.ComponentContentDigest) {
		if f := v.checkDigest(r); f != nil {
			return nil, f
		}
	}
	if p.Nonce != "" && a.nonces != nil {
		// The nonce must be remembered as long as the signature could be
		// accepted: created may lie skew in the future and stays valid
		// maxAge after that.
		ttl := v.maxAge + 2*v.skew
		fresh, err := a.nonces.FirstSeen(r.Context(), "sig:"+key.key.ID+":"+p.Nonce, ttl)
		if err != nil {
			if f := a.storeFailed("nonce", err); f != nil {
				return nil, f
			}
		} else if !fresh {
			return nil, fail(RuleSignatureReplay, fmt.Errorf("nonce %q of key %q was already used", p.Nonce, key.key.ID))
		}
	}
	return &pipeline.Identity{
		Subject: key.subject,
		KeyID:   key.key.ID,
		Method:  string(MethodSignature),
		Tenant:  key.grants.Tenant,
		Scopes:  key.grants.Scopes,
		Roles:   key.grants.Roles,
	}, nil
}

// pick chooses the signature to verify: the configured label, or the
// first whose keyid is known.
func (v *signatureVerifier) pick(sigs []sign.Signature) (*sign.Signature, *signatureKey) {
	for i := range sigs {
		if v.label != "" && sigs[i].Label != v.label {
			continue
		}
		if k := v.keys[sigs[i].Params.KeyID]; k != nil {
			return &sigs[i], k
		}
		if v.label != "" {
			return nil, nil
		}
	}
	return nil, nil
}

// checkParams applies the policy to the signature parameters.
func (v *signatureVerifier) checkParams(p *sign.SignatureParams, key *signatureKey, hasBody bool, now time.Time) *failure {
	if !p.Covers(sign.ComponentMethod) {
		return failf(RuleSignatureMissingComponent, "@method is not covered")
	}
	// Without the target, a signed request could be replayed against
	// another path or with another query.
	if !p.Covers(sign.ComponentTargetURI) && !(p.Covers(sign.ComponentPath) && p.Covers(sign.ComponentQuery)) {
		return failf(RuleSignatureMissingComponent, "neither @target-uri nor @path with @query is covered")
	}
	// Without content-digest the body could be swapped under a valid
	// signature.
	if hasBody && !p.Covers(sign.ComponentContentDigest) {
		return failf(RuleSignatureMissingComponent, "the request has a body but content-digest is not covered")
	}
	for _, c := range v.required {
		if !p.Covers(c) {
			return fail(RuleSignatureMissingComponent, fmt.Errorf("%s is not covered", c))
		}
	}
	if p.Created.IsZero() {
		return failf(RuleSignatureMissingParam, "created is missing")
	}
	if p.Created.After(now.Add(v.skew)) || now.Sub(p.Created) > v.maxAge {
		return fail(RuleSignatureStale, fmt.Errorf("created %s is outside the window [now-%s, now+%s]",
			p.Created.UTC().Format(time.RFC3339), v.maxAge, v.skew))
	}
	if !p.Expires.IsZero() && now.After(p.Expires.Add(v.skew)) {
		return fail(RuleSignatureExpired, fmt.Errorf("signature expired at %s", p.Expires.UTC().Format(time.RFC3339)))
	}
	if v.requireNonce && p.Nonce == "" {
		return failf(RuleSignatureMissingParam, "nonce is missing")
	}
	if len(p.Nonce) > maxNonceLen {
		return failf(RuleSignatureMalformed, "nonce is too long")
	}
	// RFC 9421 §3.2: an alg parameter that disagrees with the key is an
	// error, never a choice of algorithm.
	if p.Alg != "" && p.Alg != key.key.Algorithm {
		return fail(RuleSignatureAlgMismatch, fmt.Errorf("alg %q but key %q is %s", p.Alg, key.key.ID, key.key.Algorithm))
	}
	if v.tag != "" && p.Tag != v.tag {
		return fail(RuleSignatureTagMismatch, fmt.Errorf("tag %q, want %q", p.Tag, v.tag))
	}
	return nil
}

// checkDigest reads the body (bounded), restores it for the proxy and
// verifies Content-Digest (RFC 9530) over it.
func (v *signatureVerifier) checkDigest(r *http.Request) *failure {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, v.maxBody+1))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) || int64(len(body)) > v.maxBody {
			f := fail(RuleSignatureBodyTooLarge, fmt.Errorf("body exceeds %d bytes", v.maxBody))
			f.status = http.StatusRequestEntityTooLarge
			if r.ProtoMajor == 1 {
				f.header = http.Header{"Connection": {"close"}}
			}
			return f
		}
		if err != nil {
			return fail(RuleSignatureMalformed, fmt.Errorf("reading body: %w", err))
		}
		r.Body = &restoredBody{Reader: bytes.NewReader(body), orig: r.Body}
	}
	if err := sign.VerifyContentDigest(r.Header.Values(sign.HeaderContentDigest), body); err != nil {
		return fail(RuleSignatureDigestMismatch, err)
	}
	return nil
}

// restoredBody replays a body read for verification and closes the
// original.
type restoredBody struct {
	*bytes.Reader
	orig io.ReadCloser
}

func (b *restoredBody) Close() error { return b.orig.Close() }
