package config

import "testing"

// Rate-limit policies and credential routes enforce by default, and
// policies send their RateLimit fields on every response.
func TestGuardModeDefaults(t *testing.T) {
	cfg, err := Parse("rampart.yaml", []byte(`
rate_limits:
  - name: per-ip
    limits:
      - {requests: 10}
  - name: trial
    mode: monitor
    headers: on_refusal
    limits:
      - {requests: 10}
apis:
  - name: app
    path_prefix: /api
    upstreams: [http://127.0.0.1:9000]
    rate_limits: [per-ip, trial]
    routes:
      - name: login
        path: /api/login
        credential: {}
      - name: otp
        path: /api/otp
        credential: {mode: monitor}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, trial := cfg.RateLimits[0], cfg.RateLimits[1]
	if p.Mode != "enforce" || p.Headers != "always" {
		t.Errorf("defaults: mode %q, headers %q; want enforce, always", p.Mode, p.Headers)
	}
	if trial.Mode != "monitor" || trial.Headers != "on_refusal" {
		t.Errorf("set: mode %q, headers %q; want monitor, on_refusal", trial.Mode, trial.Headers)
	}
	routes := cfg.APIs[0].Routes
	if routes[0].Credential.Mode != "enforce" || routes[1].Credential.Mode != "monitor" {
		t.Errorf("credential modes %q, %q; want enforce, monitor", routes[0].Credential.Mode, routes[1].Credential.Mode)
	}
}
