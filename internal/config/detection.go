package config

// Injection configures the injection guard: the native detector (default)
// or Coraza with the OWASP Core Rule Set. The top-level section applies to
// every API; apis[].injection overrides mode, engine and sensitivity.
type Injection struct {
	// Mode is "enforce" (default: block), "monitor" (record, let pass) or
	// "off".
	Mode string `yaml:"mode"`
	// Engine is "native" (default: Rampart's schema-aware detector) or "crs"
	// (Coraza v3 with the OWASP Core Rule Set v4).
	Engine string `yaml:"engine"`
	// Sensitivity of the native engine: "low", "medium" (default) or "high".
	Sensitivity string `yaml:"sensitivity"`
	// MaxBodyBytes is how much of a request body is inspected. Default 1MiB.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`
	// Oversize is what happens to a body longer than MaxBodyBytes: "deny"
	// (default, 413) or "scan_prefix" (inspect the first MaxBodyBytes and
	// let the rest through uninspected).
	Oversize string `yaml:"oversize"`
	// Headers are the request headers inspected. Default: User-Agent,
	// Referer and the URL-rewriting and forwarding headers attacks hide in
	// (see docs/detection.md).
	Headers []string `yaml:"headers"`
	// Cookies inspects cookie values. Default false: cookies mostly carry
	// session secrets, which a false positive would put in an event.
	Cookies *bool `yaml:"cookies"`
	// CRS configures the crs engine.
	CRS CRS `yaml:"crs"`
	// Exclusions silence rules for known false positives.
	Exclusions []InjectionExclusion `yaml:"exclusions"`
}

// APIInjection overrides the injection section for one API.
type APIInjection struct {
	// Mode overrides injection.mode.
	Mode string `yaml:"mode"`
	// Engine overrides injection.engine.
	Engine string `yaml:"engine"`
	// Sensitivity overrides injection.sensitivity.
	Sensitivity string `yaml:"sensitivity"`
}

// CRS configures Coraza and the Core Rule Set.
type CRS struct {
	// Paranoia is the CRS paranoia level, 1 (default) to 4.
	Paranoia int `yaml:"paranoia"`
	// InboundThreshold is the CRS inbound anomaly score that blocks. Default 5.
	InboundThreshold int `yaml:"inbound_threshold"`
	// RuleFiles are extra SecLang rule files loaded after the CRS.
	RuleFiles []string `yaml:"rule_files"`
}

// InjectionExclusion silences rules where they misfire. Empty fields match
// everything; an exclusion with nothing set is an error.
type InjectionExclusion struct {
	// API limits the exclusion to one API (by name).
	API string `yaml:"api"`
	// Route limits it to one route of API (by name; "default" for the
	// API's unnamed rest).
	Route string `yaml:"route"`
	// Location is an input location such as "query.q" or "body./notes",
	// or a prefix ending in "*" ("body./notes/*").
	Location string `yaml:"location"`
	// Rules are rule ids ("sqli", "xss", …; CRS rule ids with engine crs).
	// Empty = every rule.
	Rules []string `yaml:"rules"`
}

// Schema configures an API's OpenAPI positive model.
type Schema struct {
	// SpecFile is the API's OpenAPI 3.0 or 3.1 document (YAML or JSON).
	// Without one, only the JSON limits apply.
	SpecFile string `yaml:"spec_file"`
	// Mode is the default for every operation: "enforce" (default),
	// "monitor" or "off".
	Mode string `yaml:"mode"`
	// Operations override Mode per operation, keyed by operationId or by
	// "METHOD /path" as written in the spec.
	Operations map[string]string `yaml:"operations"`
	// Undocumented is what happens to a request no operation of the spec
	// matches: "deny" (default: 404/405 and an event), "monitor" (event
	// only) or "allow".
	Undocumented string `yaml:"undocumented"`
	// ResponseValidation checks responses against the spec and flags
	// undeclared fields leaving the API: "off" (default), "monitor" or
	// "enforce".
	ResponseValidation string `yaml:"response_validation"`
}

// JSONLimits harden JSON request bodies of every API, with or without a
// spec. Duplicate keys and invalid UTF-8 are always refused.
type JSONLimits struct {
	// Enabled turns JSON hardening on. Default true.
	Enabled *bool `yaml:"enabled"`
	// MaxDepth is the deepest nesting of objects and arrays. Default 32.
	MaxDepth int `yaml:"max_depth"`
	// MaxKeys is the most keys in one object. Default 1000.
	MaxKeys int `yaml:"max_keys"`
	// MaxArrayLength is the most elements in one array. Default 10000.
	MaxArrayLength int `yaml:"max_array_length"`
	// MaxStringLength is the longest string, in bytes. Default 1MiB.
	MaxStringLength ByteSize `yaml:"max_string_length"`
	// MaxNumberLength is the longest number literal, in characters. Default 64.
	MaxNumberLength int `yaml:"max_number_length"`
}
