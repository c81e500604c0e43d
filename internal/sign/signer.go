package sign

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Defaults of Options.
const (
	// DefaultLabel names the signature when Options.Label is empty.
	DefaultLabel = "sig1"
	// DefaultMaxBodyBytes bounds the body read for Content-Digest: 10 MiB.
	DefaultMaxBodyBytes = 10 << 20
)

// Options configures SignRequest. The zero value signs @method,
// @target-uri (and content-type and content-digest when there is a body)
// with a fresh created time and a random nonce.
type Options struct {
	// Label names the signature. Default DefaultLabel ("sig1").
	Label string
	// Components lists the covered components ("@method", "content-type").
	// Default: @method and @target-uri, plus content-type (when set) and
	// content-digest when the request has a body.
	Components []string
	// Created is the creation time. Zero means Now().
	Created time.Time
	// TTL, when positive, adds expires = created + TTL.
	TTL time.Duration
	// Nonce is sent as the nonce parameter. Empty means a random 128-bit
	// nonce; NoNonce leaves the parameter out.
	Nonce   string
	NoNonce bool
	// Tag is the application tag parameter; empty leaves it out.
	Tag string
	// IncludeAlg adds the alg parameter (verifiers pin the algorithm per
	// key anyway).
	IncludeAlg bool
	// DigestAlgorithm is DigestSHA256 (default) or DigestSHA512.
	DigestAlgorithm string
	// MaxBodyBytes bounds the body read for the digest. Default
	// DefaultMaxBodyBytes; a longer body is an error.
	MaxBodyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand supplies randomness (nonce, ECDSA, RSA-PSS); nil means crypto/rand.
	Rand io.Reader
}

// SignRequest signs req with key per RFC 9421: when the request has a body
// it is read (up to MaxBodyBytes), restored, and bound by a Content-Digest
// field (RFC 9530); then Signature-Input and Signature members labelled
// opts.Label are added. req may be a client request (URL with scheme and
// host) or a server request.
func SignRequest(req *http.Request, key Key, opts Options) error {
	if err := key.Validate(); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	label := opts.Label
	if label == "" {
		label = DefaultLabel
	}
	if err := checkLabel(label, req.Header); err != nil {
		return err
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	components, err := opts.components(req, hasBody)
	if err != nil {
		return err
	}
	p := SignatureParams{Components: components, KeyID: key.ID, Tag: opts.Tag}
	if p.Covers(ComponentContentDigest) {
		if err := addContentDigest(req, opts); err != nil {
			return err
		}
	}
	p.Created = opts.Created
	if p.Created.IsZero() {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		p.Created = now()
	}
	if opts.TTL > 0 {
		p.Expires = p.Created.Add(opts.TTL)
	}
	if opts.IncludeAlg {
		p.Alg = key.Algorithm
	}
	if p.Nonce, err = opts.nonce(); err != nil {
		return err
	}
	base, err := Base(req, &p)
	if err != nil {
		return fmt.Errorf("building signature base: %w", err)
	}
	sig, err := key.Sign(opts.Rand, base)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	input, err := p.Serialize()
	if err != nil {
		return err
	}
	req.Header.Add(HeaderSignatureInput, label+"="+input)
	req.Header.Add(HeaderSignature, label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}

// checkLabel refuses a label that is not a structured-field key or that
// the request already uses.
func checkLabel(label string, h http.Header) error {
	var b strings.Builder
	if err := writeKey(&b, label); err != nil {
		return fmt.Errorf("signature label: %w", err)
	}
	if existing := h.Values(HeaderSignatureInput); len(existing) > 0 {
		if d, err := ParseDictionary(strings.Join(existing, ", ")); err == nil {
			if _, dup := d.Get(label); dup {
				return fmt.Errorf("the request already carries a signature labelled %q", label)
			}
		}
	}
	return nil
}

func (o Options) components(req *http.Request, hasBody bool) ([]Component, error) {
	names := o.Components
	if len(names) == 0 {
		names = []string{ComponentMethod, ComponentTargetURI}
		if hasBody {
			if req.Header.Get("Content-Type") != "" {
				names = append(names, "content-type")
			}
			names = append(names, ComponentContentDigest)
		}
	}
	out := make([]Component, 0, len(names))
	for _, n := range names {
		c, err := ParseComponent(n)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (o Options) nonce() (string, error) {
	if o.NoNonce {
		return "", nil
	}
	if o.Nonce != "" {
		return o.Nonce, nil
	}
	rng := o.Rand
	if rng == nil {
		rng = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(rng, b[:]); err != nil {
		return "", fmt.Errorf("generating nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// addContentDigest reads the body (bounded), restores it and sets
// Content-Digest.
func addContentDigest(req *http.Request, opts Options) error {
	limit := opts.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(req.Body, limit+1))
		_ = req.Body.Close()
		if err != nil {
			return fmt.Errorf("reading body for content-digest: %w", err)
		}
		if int64(len(body)) > limit {
			return fmt.Errorf("body exceeds %d bytes", limit)
		}
		req.ContentLength = int64(len(body))
		if len(body) == 0 {
			// A client treats a non-nil Body with length 0 as unknown length.
			req.Body, req.GetBody = http.NoBody, nil
		} else {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
	}
	alg := opts.DigestAlgorithm
	if alg == "" {
		alg = DigestSHA256
	}
	v, err := ContentDigest(alg, body)
	if err != nil {
		return err
	}
	req.Header.Set(HeaderContentDigest, v)
	return nil
}
