package authn

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unsafe"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// API keys look like "rk_<id>_<secret>": the id (no underscore) finds the
// record in O(1) and the SHA-256 of the whole key is compared in constant
// time with the one or two hashes on record. A plain SHA-256 is the right
// hash here, unlike for passwords: the secret has 256 bits of entropy, so
// there is nothing for a slow hash to protect against brute force, and the
// check stays cheap on every request.
const (
	keyPrefix      = "rk_"
	hashPrefix     = "sha256:"
	maxKeyIDLen    = 64
	maxAPIKeyLen   = 256
	authSchemeKey  = "ApiKey"
	maxHashesPerID = 2
)

// apiKeyRecord is a validated APIKey.
type apiKeyRecord struct {
	id       string
	hashes   [maxHashesPerID][sha256.Size]byte
	nHashes  int
	subject  string
	grants   Grants
	expires  time.Time
	disabled bool
	// identity is built once and shared by every request the key
	// authenticates: Identities are read-only once set (the guard copies
	// before changing one), and sharing saves an allocation per request.
	identity *pipeline.Identity
}

type apiKeyVerifier struct {
	byID   map[string]*apiKeyRecord
	header string
	query  string
	now    func() time.Time
}

func newAPIKeyVerifier(cfg APIKeyConfig, now func() time.Time) (*apiKeyVerifier, error) {
	v := &apiKeyVerifier{byID: make(map[string]*apiKeyRecord, len(cfg.Keys)), header: cfg.Header, query: cfg.QueryParam, now: now}
	if v.header == "" {
		v.header = DefaultAPIKeyHeader
	}
	v.header = http.CanonicalHeaderKey(v.header)
	if v.header == "Authorization" {
		return nil, errors.New("api keys: header must not be Authorization (use \"Authorization: ApiKey <key>\", always accepted)")
	}
	for i, k := range cfg.Keys {
		rec, err := newAPIKeyRecord(k)
		if err != nil {
			return nil, fmt.Errorf("api key %d: %w", i, err)
		}
		if _, dup := v.byID[rec.id]; dup {
			return nil, fmt.Errorf("api key id %q appears twice (rotate by listing two hashes on one record)", rec.id)
		}
		v.byID[rec.id] = rec
	}
	return v, nil
}

func newAPIKeyRecord(k APIKey) (*apiKeyRecord, error) {
	if err := validKeyID(k.ID); err != nil {
		return nil, err
	}
	if len(k.Hashes) == 0 || len(k.Hashes) > maxHashesPerID {
		return nil, fmt.Errorf("key %q needs 1 or 2 hashes, has %d", k.ID, len(k.Hashes))
	}
	rec := &apiKeyRecord{id: k.ID, subject: k.Subject, expires: k.ExpiresAt, disabled: k.Disabled,
		grants: Grants{Tenant: k.Tenant, Scopes: k.Scopes, Roles: k.Roles}.clipped()}
	if rec.subject == "" {
		rec.subject = k.ID
	}
	for i, h := range k.Hashes {
		hexHash, ok := strings.CutPrefix(h, hashPrefix)
		b, err := hex.DecodeString(hexHash)
		if !ok || err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("key %q: hash %d is not %q followed by 64 hex digits", k.ID, i+1, hashPrefix)
		}
		copy(rec.hashes[i][:], b)
	}
	rec.nHashes = len(k.Hashes)
	rec.identity = &pipeline.Identity{Subject: rec.subject, KeyID: rec.id, Method: string(MethodAPIKey),
		Tenant: rec.grants.Tenant, Scopes: rec.grants.Scopes, Roles: rec.grants.Roles}
	return rec, nil
}

// validKeyID accepts 1-64 characters of [a-z0-9-]: no underscore, so the
// id ends at the first '_' after the prefix.
func validKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDLen {
		return fmt.Errorf("key id %q must have 1 to %d characters", id, maxKeyIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("key id %q may only contain a-z, 0-9 and '-'", id)
		}
	}
	return nil
}

// extract finds the key in the configured header, "Authorization: ApiKey",
// or the query parameter. Two different keys in one request are refused:
// which one would count is ambiguous.
func (v *apiKeyVerifier) extract(r *http.Request) (key string, f *failure) {
	vals := r.Header[v.header]
	if len(vals) > 1 {
		return "", failf(RuleAPIKeyMalformed, "api key header repeated")
	}
	if len(vals) == 1 {
		if key = vals[0]; key == "" {
			return "", failf(RuleAPIKeyMalformed, "empty api key header")
		}
	}
	if scheme, cred, ok := authorization(r); ok && strings.EqualFold(scheme, authSchemeKey) {
		if cred == "" {
			return "", failf(RuleAPIKeyMalformed, "ApiKey scheme without a key")
		}
		if key != "" && key != cred {
			return "", failf(RuleAPIKeyMalformed, "two different api keys in one request")
		}
		key = cred
	}
	if v.query != "" && strings.Contains(r.URL.RawQuery, v.query+"=") {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return "", fail(RuleAPIKeyMalformed, fmt.Errorf("unparsable query: %w", err))
		}
		if qv := q[v.query]; len(qv) > 0 {
			if len(qv) > 1 || (key != "" && key != qv[0]) {
				return "", failf(RuleAPIKeyMalformed, "api key repeated in the query")
			}
			key = qv[0]
		}
	}
	return key, nil
}

// authenticate returns (nil, nil) when the request carries no API key.
func (v *apiKeyVerifier) authenticate(r *http.Request) (*pipeline.Identity, *failure) {
	key, f := v.extract(r)
	if f != nil || key == "" {
		return nil, f
	}
	id, ok := parseKeyID(key)
	if !ok {
		return nil, failf(RuleAPIKeyMalformed, "api key is not rk_<id>_<secret>")
	}
	// Hash the string's bytes in place: converting would allocate (keys are
	// longer than the compiler's 32-byte stack buffer) and Sum256 only
	// reads its input.
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(key), len(key)))
	rec := v.byID[id]
	if rec == nil {
		// The id is the key's public part: telling apart unknown ids in
		// time leaks nothing.
		return nil, fail(RuleAPIKeyUnknown, fmt.Errorf("no api key with id %q", id))
	}
	// Compare against every slot, used or not, so the time taken does not
	// depend on which hash matched.
	match := 0
	for i := range rec.hashes {
		eq := subtle.ConstantTimeCompare(sum[:], rec.hashes[i][:])
		match |= eq & subtle.ConstantTimeLessOrEq(i+1, rec.nHashes)
	}
	if match != 1 {
		return nil, fail(RuleAPIKeyInvalid, fmt.Errorf("api key %q: secret does not match", id))
	}
	// Disabled and expired are checked after the secret, so that only the
	// key's holder can learn (from logs) that it was disabled.
	if rec.disabled {
		return nil, fail(RuleAPIKeyDisabled, fmt.Errorf("api key %q is disabled", id))
	}
	if !rec.expires.IsZero() && !v.now().Before(rec.expires) {
		return nil, fail(RuleAPIKeyExpired, fmt.Errorf("api key %q expired at %s", id, rec.expires.Format(time.RFC3339)))
	}
	return rec.identity, nil
}

// parseKeyID returns the id of "rk_<id>_<secret>".
func parseKeyID(key string) (string, bool) {
	if len(key) > maxAPIKeyLen {
		return "", false
	}
	rest, ok := strings.CutPrefix(key, keyPrefix)
	if !ok {
		return "", false
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || secret == "" || validKeyID(id) != nil {
		return "", false
	}
	return id, true
}
