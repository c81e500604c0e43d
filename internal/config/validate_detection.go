package config

import (
	"fmt"
	"os"
	"strings"
)

// Defaults of the detection sections.
const (
	DefaultInjectionBody     ByteSize = 1 << 20
	DefaultCRSParanoia                = 1
	DefaultCRSThreshold               = 5
	DefaultJSONMaxDepth               = 32
	DefaultJSONMaxKeys                = 1000
	DefaultJSONMaxArray               = 10000
	DefaultJSONMaxString     ByteSize = 1 << 20
	DefaultJSONMaxNumberSize          = 64
)

// applyDetectionDefaults fills the injection, schema and JSON-limit defaults.
func (c *Config) applyDetectionDefaults() {
	in := &c.Injection
	setDefault(&in.Mode, "enforce")
	setDefault(&in.Engine, "native")
	setDefault(&in.Sensitivity, "medium")
	setDefault(&in.MaxBodyBytes, DefaultInjectionBody)
	setDefault(&in.Oversize, "deny")
	setDefaultBool(&in.Cookies, false)
	setDefault(&in.CRS.Paranoia, DefaultCRSParanoia)
	setDefault(&in.CRS.InboundThreshold, DefaultCRSThreshold)
	j := &c.Limits.JSON
	setDefaultBool(&j.Enabled, true)
	setDefault(&j.MaxDepth, DefaultJSONMaxDepth)
	setDefault(&j.MaxKeys, DefaultJSONMaxKeys)
	setDefault(&j.MaxArrayLength, DefaultJSONMaxArray)
	setDefault(&j.MaxStringLength, DefaultJSONMaxString)
	setDefault(&j.MaxNumberLength, DefaultJSONMaxNumberSize)
	for i := range c.APIs {
		if s := c.APIs[i].Schema; s != nil {
			setDefault(&s.Mode, "enforce")
			setDefault(&s.Undocumented, "deny")
			setDefault(&s.ResponseValidation, "off")
		}
	}
}

// validateDetection checks the injection, schema and JSON-limit sections.
func (c *Config) validateDetection(v *validator) {
	in := &c.Injection
	oneOf(v, "injection.mode", in.Mode, "enforce", "monitor", "off")
	oneOf(v, "injection.engine", in.Engine, "native", "crs")
	oneOf(v, "injection.sensitivity", in.Sensitivity, "low", "medium", "high")
	oneOf(v, "injection.oversize", in.Oversize, "deny", "scan_prefix")
	if in.MaxBodyBytes < 1 {
		v.add("injection.max_body_bytes", "must be positive")
	}
	for i, h := range in.Headers {
		if !headerNameRe.MatchString(h) {
			v.add(fmt.Sprintf("injection.headers[%d]", i), "invalid header name %q", h)
		}
	}
	if in.CRS.Paranoia < 1 || in.CRS.Paranoia > 4 {
		v.add("injection.crs.paranoia", "must be 1 to 4")
	}
	if in.CRS.InboundThreshold < 1 {
		v.add("injection.crs.inbound_threshold", "must be positive")
	}
	for i, f := range in.CRS.RuleFiles {
		v.file(fmt.Sprintf("injection.crs.rule_files[%d]", i), f)
	}
	for i, e := range in.Exclusions {
		field := fmt.Sprintf("injection.exclusions[%d]", i)
		if e.API == "" && e.Route == "" && e.Location == "" && len(e.Rules) == 0 {
			v.add(field, "an exclusion needs at least one of api, route, location, rules")
		}
		if e.Route != "" && e.API == "" {
			v.add(field+".route", "needs api")
		}
		if e.API != "" && !c.hasRoute(e.API, "") {
			v.add(field+".api", "no API named %q", e.API)
		} else if e.Route != "" && !c.hasRoute(e.API, e.Route) {
			v.add(field+".route", "API %q has no route %q", e.API, e.Route)
		}
		if e.Location != "" && !validLocation(e.Location) {
			v.add(field+".location", "invalid location %q (want e.g. query.q, body./notes, header.User-Agent, or a prefix ending in *)", e.Location)
		}
		for j, r := range e.Rules {
			if strings.TrimSpace(r) == "" {
				v.add(fmt.Sprintf("%s.rules[%d]", field, j), "empty rule id")
			}
		}
	}
	j := &c.Limits.JSON
	for _, f := range []struct {
		name string
		val  int64
	}{
		{"max_depth", int64(j.MaxDepth)}, {"max_keys", int64(j.MaxKeys)}, {"max_array_length", int64(j.MaxArrayLength)},
		{"max_string_length", int64(j.MaxStringLength)}, {"max_number_length", int64(j.MaxNumberLength)},
	} {
		if f.val < 1 {
			v.add("limits.json."+f.name, "must be positive")
		}
	}
	for i := range c.APIs {
		a := &c.APIs[i]
		field := fmt.Sprintf("apis[%d]", i)
		if o := a.Injection; o != nil {
			if o.Mode != "" {
				oneOf(v, field+".injection.mode", o.Mode, "enforce", "monitor", "off")
			}
			if o.Engine != "" {
				oneOf(v, field+".injection.engine", o.Engine, "native", "crs")
			}
			if o.Sensitivity != "" {
				oneOf(v, field+".injection.sensitivity", o.Sensitivity, "low", "medium", "high")
			}
		}
		s := a.Schema
		if s == nil {
			continue
		}
		oneOf(v, field+".schema.mode", s.Mode, "enforce", "monitor", "off")
		oneOf(v, field+".schema.undocumented", s.Undocumented, "deny", "monitor", "allow")
		oneOf(v, field+".schema.response_validation", s.ResponseValidation, "off", "monitor", "enforce")
		for k, m := range s.Operations {
			oneOf(v, field+".schema.operations."+k, m, "enforce", "monitor", "off")
		}
		if s.SpecFile == "" {
			if len(s.Operations) > 0 {
				v.add(field+".schema.operations", "needs spec_file")
			}
		} else if _, err := os.Stat(s.SpecFile); err != nil {
			v.add(field+".schema.spec_file", "cannot read %q", s.SpecFile)
		}
	}
}

// hasRoute reports whether API api exists and, when route is set, has that
// route ("default" always exists).
func (c *Config) hasRoute(api, route string) bool {
	for _, a := range c.APIs {
		if a.Name != api {
			continue
		}
		if route == "" || route == "default" {
			return true
		}
		for _, r := range a.Routes {
			if r.Name == route {
				return true
			}
		}
	}
	return false
}

// validLocation accepts "source.name" locations as the detector prints them.
func validLocation(l string) bool {
	if l == "body" || l == "body*" {
		return true // a whole text body
	}
	src, name, ok := strings.Cut(l, ".")
	if !ok && !strings.HasSuffix(l, "*") {
		return false
	}
	switch strings.TrimSuffix(src, "*") {
	case "path", "query", "header", "cookie", "form", "multipart", "body", "xml":
	default:
		return false
	}
	return !strings.ContainsAny(name, "\r\n")
}

func oneOf(v *validator, field, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.add(field, "unknown value %q (want %s)", val, strings.Join(allowed, ", "))
}
