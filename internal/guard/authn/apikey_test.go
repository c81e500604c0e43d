package authn

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func mustGenerate(t testing.TB, id string) (string, string) {
	t.Helper()
	key, hash, err := GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return key, hash
}

func TestAPIKeys(t *testing.T) {
	clock := newClock()
	good, goodHash := mustGenerate(t, "partner-1")
	oldKey, oldHash := mustGenerate(t, "rotating")
	newKey, newHash := mustGenerate(t, "rotating")
	expired, expiredHash := mustGenerate(t, "expired")
	disabled, disabledHash := mustGenerate(t, "disabled")
	other, _ := mustGenerate(t, "partner-1") // right id, wrong secret
	unknown, _ := mustGenerate(t, "nobody")

	a := mustNew(t, Config{APIKeys: APIKeyConfig{
		QueryParam: "api_key",
		Keys: []APIKey{
			{ID: "partner-1", Hashes: []string{goodHash}, Subject: "acme", Tenant: "t1", Scopes: []string{"orders:read"}, Roles: []string{"partner"}},
			{ID: "rotating", Hashes: []string{oldHash, newHash}},
			{ID: "expired", Hashes: []string{expiredHash}, ExpiresAt: clock.Now().Add(-time.Second)},
			{ID: "disabled", Hashes: []string{disabledHash}, Disabled: true},
		},
	}}, Options{Now: clock.Now})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodAPIKey}}), nil)

	withHeader := func(name, value string) result {
		req := gw.request(t, http.MethodGet, "/orders", "")
		req.Header.Set(name, value)
		return gw.do(t, nil, req)
	}

	id := wantAllowed(t, withHeader("X-API-Key", good), "acme")
	if id.KeyID != "partner-1" || id.Method != "api_key" || id.Tenant != "t1" ||
		!slices.Equal(id.Scopes, []string{"orders:read"}) || !slices.Equal(id.Roles, []string{"partner"}) {
		t.Errorf("identity %+v", id)
	}
	wantAllowed(t, withHeader("Authorization", "ApiKey "+good), "acme")
	wantAllowed(t, withHeader("Authorization", "apikey "+good), "acme")
	wantAllowed(t, gw.do(t, nil, gw.request(t, http.MethodGet, "/orders?api_key="+good, "")), "acme")
	// Rotation: both hashes of one record work.
	wantAllowed(t, withHeader("X-API-Key", oldKey), "rotating")
	wantAllowed(t, withHeader("X-API-Key", newKey), "rotating")

	tests := []struct {
		name, header, value, rule string
	}{
		{"unknown id", "X-API-Key", unknown, RuleAPIKeyUnknown},
		{"wrong secret", "X-API-Key", other, RuleAPIKeyInvalid},
		{"expired", "X-API-Key", expired, RuleAPIKeyExpired},
		{"disabled", "X-API-Key", disabled, RuleAPIKeyDisabled},
		{"not rk_ format", "X-API-Key", "hunter2", RuleAPIKeyMalformed},
		{"empty secret", "X-API-Key", "rk_partner-1_", RuleAPIKeyMalformed},
		{"bad id", "X-API-Key", "rk_Partner_x", RuleAPIKeyMalformed},
		{"too long", "X-API-Key", "rk_partner-1_" + strings.Repeat("a", 300), RuleAPIKeyMalformed},
		{"empty header", "X-API-Key", "", RuleAPIKeyMalformed},
		{"other scheme", "Authorization", "Basic dXNlcjpwYXNz", RuleMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDenied(t, withHeader(tt.header, tt.value), tt.rule)
		})
	}

	t.Run("two different keys", func(t *testing.T) {
		req := gw.request(t, http.MethodGet, "/", "")
		req.Header.Set("X-API-Key", good)
		req.Header.Set("Authorization", "ApiKey "+newKey)
		wantDenied(t, gw.do(t, nil, req), RuleAPIKeyMalformed)
	})
	t.Run("repeated header", func(t *testing.T) {
		req := gw.request(t, http.MethodGet, "/", "")
		req.Header.Add("X-API-Key", good)
		req.Header.Add("X-API-Key", good)
		wantDenied(t, gw.do(t, nil, req), RuleAPIKeyMalformed)
	})
	t.Run("key expires with the clock", func(t *testing.T) {
		k, h := mustGenerate(t, "short")
		b := mustNew(t, Config{APIKeys: APIKeyConfig{Keys: []APIKey{{ID: "short", Hashes: []string{h}, ExpiresAt: clock.Now().Add(time.Hour)}}}},
			Options{Now: clock.Now})
		g := newGateway(t, mustGuard(t, b, Policy{Methods: []Method{MethodAPIKey}}), nil)
		req := g.request(t, http.MethodGet, "/", "")
		req.Header.Set("X-API-Key", k)
		wantAllowed(t, g.do(t, nil, req), "short")
		clock.Advance(time.Hour)
		req = g.request(t, http.MethodGet, "/", "")
		req.Header.Set("X-API-Key", k)
		wantDenied(t, g.do(t, nil, req), RuleAPIKeyExpired)
	})
}

func TestAPIKeyQueryParamOffByDefault(t *testing.T) {
	key, hash := mustGenerate(t, "k")
	a := mustNew(t, Config{APIKeys: APIKeyConfig{Keys: []APIKey{{ID: "k", Hashes: []string{hash}}}}}, Options{})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodAPIKey}}), nil)
	wantDenied(t, gw.do(t, nil, gw.request(t, http.MethodGet, "/?api_key="+key, "")), RuleMissing)
}

func TestAPIKeyConfigErrors(t *testing.T) {
	_, hash := mustGenerate(t, "k")
	for _, tt := range []struct {
		name string
		cfg  APIKeyConfig
	}{
		{"bad id", APIKeyConfig{Keys: []APIKey{{ID: "has_underscore", Hashes: []string{hash}}}}},
		{"no hash", APIKeyConfig{Keys: []APIKey{{ID: "k"}}}},
		{"three hashes", APIKeyConfig{Keys: []APIKey{{ID: "k", Hashes: []string{hash, hash, hash}}}}},
		{"plain key instead of hash", APIKeyConfig{Keys: []APIKey{{ID: "k", Hashes: []string{"rk_k_secret"}}}}},
		{"duplicate id", APIKeyConfig{Keys: []APIKey{{ID: "k", Hashes: []string{hash}}, {ID: "k", Hashes: []string{hash}}}}},
		{"authorization header", APIKeyConfig{Header: "authorization", Keys: []APIKey{{ID: "k", Hashes: []string{hash}}}}},
	} {
		if _, err := New(Config{APIKeys: tt.cfg}, Options{}); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}

func TestGenerateKey(t *testing.T) {
	key, hash := mustGenerate(t, "svc-1")
	if !strings.HasPrefix(key, "rk_svc-1_") || len(key) != len("rk_svc-1_")+43 {
		t.Errorf("key %q", key)
	}
	if hash != HashKey(key) || !strings.HasPrefix(hash, "sha256:") || len(hash) != 7+64 {
		t.Errorf("hash %q", hash)
	}
	if again, _ := mustGenerate(t, "svc-1"); again == key {
		t.Error("two generated keys are equal")
	}
	if _, _, err := GenerateKey("Bad_ID"); err == nil {
		t.Error("GenerateKey accepted an invalid id")
	}
}

// TestRunKeysGenerate checks the printed YAML record loads as a key that
// authenticates the printed key.
func TestRunKeysGenerate(t *testing.T) {
	var out bytes.Buffer
	if err := RunKeysGenerate(&out, "billing", []string{"invoices:read", " invoices:write"}, `Billing "svc"`); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	var key string
	for _, line := range strings.Split(text, "\n") {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, "rk_") {
			key = s
		}
	}
	if key == "" {
		t.Fatalf("no key printed:\n%s", text)
	}
	yamlPart := text[strings.Index(text, "- id:"):]
	yamlPart = yamlPart[:strings.Index(yamlPart, "\n\n")]
	var recs []struct {
		ID      string   `yaml:"id"`
		Hashes  []string `yaml:"hashes"`
		Subject string   `yaml:"subject"`
		Scopes  []string `yaml:"scopes"`
	}
	if err := yaml.Unmarshal([]byte(yamlPart), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("printed YAML does not parse (%v):\n%s", err, yamlPart)
	}
	rec := recs[0]
	if rec.ID != "billing" || rec.Subject != `Billing "svc"` || !slices.Equal(rec.Scopes, []string{"invoices:read", "invoices:write"}) {
		t.Errorf("record %+v", rec)
	}
	a := mustNew(t, Config{APIKeys: APIKeyConfig{Keys: []APIKey{{ID: rec.ID, Hashes: rec.Hashes, Subject: rec.Subject}}}}, Options{})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodAPIKey}}), nil)
	req := gw.request(t, http.MethodGet, "/", "")
	req.Header.Set("X-API-Key", key)
	wantAllowed(t, gw.do(t, nil, req), `Billing "svc"`)
	if strings.Count(text, key) != 1 {
		t.Error("the key must be printed exactly once")
	}
}
