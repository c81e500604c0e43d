package authn

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// compactJWT is a token in the JWS compact serialization (RFC 7515 §7.1),
// split and decoded, its signature not yet verified.
type compactJWT struct {
	// signingInput is BASE64URL(header) "." BASE64URL(payload) exactly
	// as received: the bytes the signature covers, and the ones the
	// header and claims were decoded from.
	signingInput string
	method       jwt.SigningMethod
	header       joseHeader
	claims       jwt.MapClaims
	signature    []byte
}

// parseCompactJWT does what golang-jwt's Parser.ParseUnverified does with
// default options, step for step and with the same verdicts, at a
// fraction of its cost: three segments, each unpadded base64url
// (non-strict, as golang-jwt), a JSON object header and claims set
// (decoded as encoding/json decodes them, see decodeJSONObject), and an
// alg golang-jwt implements. Failures are RuleJWTMalformed, except a
// missing or unknown alg: RuleJWTAlgNotAllowed (golang-jwt's
// ErrTokenUnverifiable).
//
// Nothing of the header is trusted yet: the caller checks the alg against
// the issuer's pinned list before any key is chosen.
func parseCompactJWT(raw string) (compactJWT, *failure) {
	var t compactJWT
	header, rest, ok1 := strings.Cut(raw, ".")
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return t, fail(RuleJWTMalformed, jwtError("token contains an invalid number of segments", jwt.ErrTokenMalformed, nil))
	}
	t.signingInput = raw[:len(header)+1+len(payload)]
	// One buffer for the three decoded segments, and one string for the
	// two JSON texts, which the decoded strings then slice.
	b64 := base64.RawURLEncoding
	buf := make([]byte, b64.DecodedLen(len(header))+b64.DecodedLen(len(payload))+b64.DecodedLen(len(sig)))
	hn, err := b64.Decode(buf, []byte(header))
	if err != nil {
		return t, fail(RuleJWTMalformed, jwtError("could not base64 decode header", jwt.ErrTokenMalformed, err))
	}
	pn, perr := b64.Decode(buf[hn:], []byte(payload))
	text := string(buf[:hn+pn])
	if t.header, err = decodeJOSEHeader(text[:hn]); err != nil {
		return t, fail(RuleJWTMalformed, jwtError("could not JSON decode header", jwt.ErrTokenMalformed, err))
	}
	if perr != nil {
		return t, fail(RuleJWTMalformed, jwtError("could not base64 decode claim", jwt.ErrTokenMalformed, perr))
	}
	if t.claims, err = decodeJSONObject(text[hn:]); err != nil {
		return t, fail(RuleJWTMalformed, jwtError("could not JSON decode claim", jwt.ErrTokenMalformed, err))
	}
	if !t.header.algString {
		return t, fail(RuleJWTAlgNotAllowed, jwtError("signing method (alg) is unspecified", jwt.ErrTokenUnverifiable, nil))
	}
	if t.method = jwt.GetSigningMethod(t.header.alg); t.method == nil {
		return t, fail(RuleJWTAlgNotAllowed, jwtError("signing method (alg) is unavailable", jwt.ErrTokenUnverifiable, nil))
	}
	sn, err := b64.Decode(buf[hn+pn:], []byte(sig))
	if err != nil {
		return t, fail(RuleJWTMalformed, jwtError("could not base64 decode signature", jwt.ErrTokenMalformed, err))
	}
	t.signature = buf[hn+pn : hn+pn+sn]
	return t, nil
}

// joseHeader is what the verifier reads of a JOSE header (RFC 7515 §4.1).
type joseHeader struct {
	alg        string
	algString  bool // alg is present and a string
	kid        string
	kidPresent bool
	kidString  bool
	crit       bool // crit is present, whatever its value
}

// decodeJOSEHeader reads a JOSE header by decodeJSONObject's rules (a
// repeated name counts with its last value) but keeps only alg, kid and
// crit, without building a map. Every other member is decoded all the
// same, so it refuses exactly what decodeJSONObject refuses;
// FuzzDecodeJOSEHeader holds the two together.
func decodeJOSEHeader(s string) (joseHeader, error) {
	var h joseHeader
	d := jsonDecoder{s: s}
	isObject, err := d.begin()
	if err != nil {
		return h, err
	}
	if isObject {
		err = d.object(func(name string) error {
			var str *string
			var isString *bool
			switch name {
			case "alg":
				str, isString = &h.alg, &h.algString
			case "kid":
				str, isString = &h.kid, &h.kidString
				h.kidPresent = true
			case "crit":
				h.crit = true
			}
			if d.i < len(d.s) && d.s[d.i] == '"' {
				v, err := d.str()
				if str != nil {
					*str, *isString = v, true
				}
				return err
			}
			if str != nil {
				*str, *isString = "", false
			}
			_, err := d.value()
			return err
		})
		if err != nil {
			return h, err
		}
	}
	return h, d.end()
}

// verify checks t's signature with golang-jwt's implementation of its alg:
// valid if any of keys verifies it (a kid-less token against an issuer's
// several keys), as golang-jwt does with a VerificationKeySet.
func (t *compactJWT) verify(keys []any) *failure {
	err := errNoKey
	for _, k := range keys {
		if err = t.method.Verify(t.signingInput, t.signature, k); err == nil {
			return nil
		}
	}
	return fail(RuleJWTSignature, jwtError("", jwt.ErrTokenSignatureInvalid, err))
}

var errNoKey = errors.New("no key to verify with")

// jwtError wraps golang-jwt's sentinel (for errors.Is) with what failed.
func jwtError(msg string, sentinel, cause error) error {
	switch {
	case cause == nil:
		return fmt.Errorf("%w: %s", sentinel, msg)
	case msg == "":
		return fmt.Errorf("%w: %w", sentinel, cause)
	}
	return fmt.Errorf("%w: %s: %w", sentinel, msg, cause)
}
