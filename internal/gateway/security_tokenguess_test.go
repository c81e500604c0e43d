package gateway

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/guard/authn"
	"github.com/rampartsec/rampart/internal/redistest"
)

// Key and token guessing through the real authentication guard, on two
// replicas sharing Redis: the authn denials of one source, spread across
// both replicas, are counted together, and the 20th
// (bruteforce.token_guessing.failures, default) bans the source on both.
// Denials that are not guesses (no credential, an expired one) are not
// counted.

// tokenGuessingFailures is bruteforce.token_guessing.failures's default.
const tokenGuessingFailures = 20

// tokenGuessCase is one credential type's requests.
type tokenGuessCase struct {
	// valid authenticates.
	valid http.Header
	// noise is refused by authn without being a guess.
	noise func(i int) http.Header
	// guess is the i-th invalid credential of the guesser.
	guess func(i int) http.Header
	// rules are the authn denial rules noise and guess produce together,
	// checked so that each kind of request is what the case says.
	rules []string
}

// tokenGuessingGateways starts two replicas on Redis with the
// authentication section auth and one API at /api requiring method.
func tokenGuessingGateways(t *testing.T, auth, method string) []*testGateway {
	t.Helper()
	addr := redistest.Addr(t)
	up := textUpstream(t, "ok")
	cfg := gwConfig{rest: trustLoopback + redisStore(addr, redistest.Prefix(t, addr), "") + `
bans:
  cache_ttl: 200ms
` + auth + fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    auth: {methods: [%s]}
`, up.URL, method)}
	return []*testGateway{withAdminToken(t, cfg), withAdminToken(t, cfg)}
}

// tokenGuessing runs the scenario: noise and 19 guesses from one source,
// alternating between the replicas, ban nobody; the 20th guess bans the
// source on both replicas, even with a valid credential, and nobody else.
func tokenGuessing(t *testing.T, gws []*testGateway, c tokenGuessCase) {
	const (
		source = "198.51.100.23"
		other  = "198.51.100.99"
	)
	call := func(n int, client string, h http.Header) reply {
		t.Helper()
		g := gws[n%len(gws)]
		r, err := send(g.client, http.MethodGet, g.url("/api/orders"), client, "", h)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for n := range gws {
		if r := call(n, source, c.valid); r.status != http.StatusOK {
			t.Fatalf("valid credential on replica %d: status %d, body %q", n, r.status, r.body)
		}
	}
	for i := range 2 * tokenGuessingFailures {
		wantReplyProblem(t, call(i, source, c.noise(i)), http.StatusUnauthorized, "unauthenticated")
	}
	for i := range tokenGuessingFailures - 1 {
		wantReplyProblem(t, call(i, source, c.guess(i)), http.StatusUnauthorized, "unauthenticated")
	}
	// One guess short of the threshold (and the noise not counted): the
	// store holds no ban, and the source still gets in.
	for n, g := range gws {
		if bans := g.bans(t); len(bans) != 0 {
			t.Fatalf("replica %d lists bans before the threshold: %v", n, bans)
		}
		if r := call(n, source, c.valid); r.status != http.StatusOK {
			t.Fatalf("valid credential on replica %d before the threshold: status %d, body %q", n, r.status, r.body)
		}
	}

	last := tokenGuessingFailures - 1
	wantReplyProblem(t, call(last, source, c.guess(last)), http.StatusUnauthorized, "unauthenticated")
	for n, g := range gws {
		eventually(t, fmt.Sprintf("%s to be banned on replica %d", source, n), func() bool {
			return call(n, source, c.valid).status == http.StatusForbidden
		})
		r := call(n, source, c.valid)
		wantReplyProblem(t, r, http.StatusForbidden, "banned")
		wantRetryAfter(t, r, 3000, 3600) // bruteforce.token_guessing.ban_for: 1h
		bans := g.bans(t)
		if src := bans["ip:"+source]; src != "bruteforce" || len(bans) != 1 {
			t.Errorf("replica %d /admin/bans: %v, want only ip:%s from bruteforce", n, bans, source)
		}
		if r := call(n, other, c.valid); r.status != http.StatusOK {
			t.Errorf("another address on replica %d: status %d, body %q", n, r.status, r.body)
		}
	}
	wantAuthnRules(t, gws, c.rules)
	// One ban, by the replica that counted the 20th guess.
	banned := map[string]string{"action": "ban", "kind": "token_guessing"}
	eventually(t, "the token-guessing ban to be counted", func() bool {
		return metricSum(t, gws, "rampart_security_actions_total", banned) >= 1
	})
	if got := metricSum(t, gws, "rampart_security_actions_total", banned); got != 1 {
		t.Errorf("%v token-guessing bans counted, want 1", got)
	}
}

// wantAuthnRules checks that the authn denials in the replicas' event logs
// have exactly the rules want.
func wantAuthnRules(t *testing.T, gws []*testGateway, want []string) {
	t.Helper()
	var got []string
	eventually(t, fmt.Sprintf("authn denials %v in the event logs", want), func() bool {
		seen := map[string]bool{}
		for _, g := range gws {
			for line := range strings.SplitSeq(g.events(t), "\n") {
				var e struct {
					Event   struct{ Action string }
					Rule    struct{ ID string }
					Rampart struct{ Guard string }
				}
				if json.Unmarshal([]byte(line), &e) == nil && e.Event.Action == "denial" && e.Rampart.Guard == "authn" {
					seen[e.Rule.ID] = true
				}
			}
		}
		got = slices.Sorted(maps.Keys(seen))
		return len(got) >= len(want)
	})
	if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("authn denial rules %v, want %v", got, want)
	}
}

func apiKeyHeader(key string) http.Header {
	h := http.Header{}
	if key != "" {
		h.Set("X-API-Key", key)
	}
	return h
}

// TestRedisAPIKeyGuessingBansSource: invalid API keys of every kind (a
// known id with a wrong secret, unknown ids, malformed keys) ban their
// source; requests without a key and with an expired key do not count.
func TestRedisAPIKeyGuessingBansSource(t *testing.T) {
	valid, validHash, err := authn.GenerateKey("svc")
	if err != nil {
		t.Fatal(err)
	}
	expired, expiredHash, err := authn.GenerateKey("old")
	if err != nil {
		t.Fatal(err)
	}
	gws := tokenGuessingGateways(t, fmt.Sprintf(`
authentication:
  api_keys:
    keys:
      - {id: svc, hashes: [%q], subject: billing}
      - {id: old, hashes: [%q], subject: legacy, expires_at: "2020-01-01T00:00:00Z"}
`, validHash, expiredHash), "api_key")
	tokenGuessing(t, gws, tokenGuessCase{
		valid: apiKeyHeader(valid),
		noise: func(i int) http.Header {
			if i%2 == 0 {
				return apiKeyHeader("")
			}
			return apiKeyHeader(expired)
		},
		guess: func(i int) http.Header {
			switch i % 3 {
			case 0: // the right id, a wrong secret
				return apiKeyHeader(fmt.Sprintf("%s%02d", valid[:len(valid)-2], i))
			case 1:
				other, _, err := authn.GenerateKey(fmt.Sprintf("guess%d", i))
				if err != nil {
					t.Fatal(err)
				}
				return apiKeyHeader(other)
			}
			return apiKeyHeader(fmt.Sprintf("not-a-key-%d", i))
		},
		rules: []string{"authn_missing", "apikey_expired", "apikey_invalid", "apikey_unknown", "apikey_malformed"},
	})
}

// TestRedisJWTGuessingBansSource: forged JWTs (a wrong key, alg none,
// an unknown issuer, garbage) ban their source; requests without a token
// and with an expired, correctly signed one do not count.
func TestRedisJWTGuessingBansSource(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef-guess-key")
	keyFile := filepath.Join(t.TempDir(), "hs256.b64")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(secret)), 0o600); err != nil {
		t.Fatal(err)
	}
	gws := tokenGuessingGateways(t, fmt.Sprintf(`
authentication:
  jwt:
    issuers:
      - {issuer: idp, audiences: [api], algorithms: [HS256], key_files: [{path: %q}]}
`, keyFile), "jwt")
	mint := func(method jwt.SigningMethod, key any, iss string, exp time.Time) http.Header {
		t.Helper()
		tok, err := jwt.NewWithClaims(method, jwt.MapClaims{
			"iss": iss, "aud": "api", "sub": "alice", "exp": exp.Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix(),
		}).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return bearer(tok)
	}
	later, earlier := time.Now().Add(time.Hour), time.Now().Add(-time.Hour)
	tokenGuessing(t, gws, tokenGuessCase{
		valid: mint(jwt.SigningMethodHS256, secret, "idp", later),
		noise: func(i int) http.Header {
			if i%2 == 0 {
				return http.Header{}
			}
			return mint(jwt.SigningMethodHS256, secret, "idp", earlier)
		},
		guess: func(i int) http.Header {
			switch i % 4 {
			case 0:
				return mint(jwt.SigningMethodHS256, fmt.Appendf(nil, "%s-forged-%d", secret, i), "idp", later)
			case 1:
				return mint(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "idp", later)
			case 2:
				return mint(jwt.SigningMethodHS256, secret, "other-idp", later)
			}
			return bearer(fmt.Sprintf("garbage.%d.token", i))
		},
		rules: []string{"authn_missing", "jwt_expired", "jwt_signature_invalid", "jwt_alg_none", "jwt_unknown_issuer", "jwt_malformed"},
	})
}

func bearer(token string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	return h
}
