package config

import "time"

// RateLimit is one rate-limit policy: a key and one or more limits.
type RateLimit struct {
	// Name identifies the policy in headers, metrics and events. Required.
	Name string `yaml:"name"`
	// Key is what is limited: "ip" (IPv6 per /64), "identity" (subject or
	// key id), "header:NAME" or "claim:NAME" (e.g. claim:tenant). Default "ip".
	Key string `yaml:"key"`
	// Limits are enforced together; a request must pass all of them.
	Limits []Rate `yaml:"limits"`
	// Global applies the policy to every route of every API. Default false.
	Global bool `yaml:"global"`
	// Mode is "enforce" (default: over-limit requests get 429) or "monitor"
	// (they are counted, recorded and pass).
	Mode string `yaml:"mode"`
	// Headers is "always" (default: RateLimit-Policy and RateLimit on
	// admitted responses too) or "on_refusal" (on 429 answers only).
	Headers string `yaml:"headers"`
}

// Rate is one GCRA limit: requests per period, with bursts.
type Rate struct {
	// Requests admitted per Per. Required.
	Requests int `yaml:"requests"`
	// Per is the period. Default 1s.
	Per time.Duration `yaml:"per"`
	// Burst is the largest burst admitted at once. Default Requests.
	Burst int `yaml:"burst"`
}
