package config

import (
	"fmt"
	"strings"
)

var authMethods = []string{"api_key", "jwt", "mtls", "signature"}

// validateAuth checks authentication settings and every route's auth.
func (c *Config) validateAuth(v *validator) {
	a := &c.Authentication
	v.file("authentication.api_keys.keys_file", a.APIKeys.KeysFile)
	for i, k := range a.APIKeys.Keys {
		f := fmt.Sprintf("authentication.api_keys.keys[%d]", i)
		if k.ID == "" {
			v.add(f+".id", "required")
		}
		if len(k.Hashes) == 0 || len(k.Hashes) > 2 {
			v.add(f+".hashes", "one hash, or two while rotating (rampart keys generate prints one)")
		}
		for j, h := range k.Hashes {
			if !strings.HasPrefix(h, "sha256:") || len(h) != len("sha256:")+64 {
				v.add(fmt.Sprintf("%s.hashes[%d]", f, j), "want sha256:<64 hex digits> (never the key itself)")
			}
		}
	}
	for i, is := range a.JWT.Issuers {
		f := fmt.Sprintf("authentication.jwt.issuers[%d]", i)
		if is.Issuer == "" {
			v.add(f+".issuer", "required")
		}
		if len(is.Algorithms) == 0 {
			v.add(f+".algorithms", "required: pin the algorithms the issuer signs with")
		}
		if len(is.Audiences) == 0 && !is.AnyAudience {
			v.add(f+".audiences", "required (or any_audience: true)")
		}
		if is.JWKSURL == "" && len(is.KeyFiles) == 0 {
			v.add(f+".jwks_url", "set jwks_url or key_files")
		}
		for j, kf := range is.KeyFiles {
			v.file(fmt.Sprintf("%s.key_files[%d].path", f, j), kf.Path)
		}
	}
	for i, p := range a.MTLS.ClientCAFiles {
		v.file(fmt.Sprintf("authentication.mtls.client_ca_files[%d]", i), p)
	}
	for i, k := range a.Signatures.Keys {
		f := fmt.Sprintf("authentication.signatures.keys[%d]", i)
		if k.ID == "" {
			v.add(f+".id", "required")
		}
		if k.KeyFile == "" {
			v.add(f+".key_file", "required")
		}
		v.file(f+".key_file", k.KeyFile)
	}
	usesMTLS := false
	check := func(field string, ra *RouteAuth) {
		if ra == nil {
			return
		}
		for _, list := range []struct {
			name    string
			methods []string
		}{{"methods", ra.Methods}, {"require", ra.Require}} {
			for k, m := range list.methods {
				if m == "none" && list.name == "methods" && len(ra.Methods) == 1 && len(ra.Require) == 0 {
					continue
				}
				if !contains(authMethods, m) {
					v.add(fmt.Sprintf("%s.%s[%d]", field, list.name, k), "unknown method %q (want api_key, jwt, mtls or signature; or methods: [none] alone)", m)
				}
				usesMTLS = usesMTLS || m == "mtls"
			}
		}
		for k, p := range ra.ClientCAFiles {
			v.file(fmt.Sprintf("%s.client_ca_files[%d]", field, k), p)
		}
	}
	for i := range c.APIs {
		api := &c.APIs[i]
		f := fmt.Sprintf("apis[%d]", i)
		check(f+".auth", api.Auth)
		routes := map[string]bool{DefaultRouteName: true}
		for _, r := range api.Routes {
			routes[r.Name] = true
		}
		for j := range api.Routes {
			r := &api.Routes[j]
			rf := fmt.Sprintf("%s.routes[%d]", f, j)
			check(rf+".auth", r.Auth)
			r.Objects.validate(v, rf+".objects", routes)
		}
	}
	if usesMTLS && c.Listen.TLS.ClientAuth == "none" {
		v.add("listen.tls.client_auth", "routes authenticate with mtls: set request or require (with client_ca_file)")
	}
}

func (o *Objects) validate(v *validator, field string, routes map[string]bool) {
	if o == nil {
		return
	}
	if o.Param == "" {
		v.add(field+".param", "required")
	}
	if !strings.Contains(o.PathTemplate, "{"+o.Param+"}") {
		v.add(field+".path_template", "must contain {%s}", o.Param)
	}
	if o.Unknown != "" && o.Unknown != "deny" && o.Unknown != "flag" {
		v.add(field+".unknown", "unknown value %q (want deny or flag)", o.Unknown)
	}
	for i, l := range o.Learn {
		lf := fmt.Sprintf("%s.learn[%d]", field, i)
		if !routes[l.Route] {
			v.add(lf+".route", "no route %q in this API", l.Route)
		}
		if l.IDPointer == "" && l.ItemIDPointer == "" {
			v.add(lf+".id_pointer", "set id_pointer or item_id_pointer")
		}
	}
}
