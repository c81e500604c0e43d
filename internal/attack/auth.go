package attack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// ProfileNames are the identities checks act as, in the order they are
// listed: two regular users (an owner and an intruder, for BOLA) and an
// administrator (for function-level authorization).
var ProfileNames = []string{"user1", "user2", "admin"}

// goTypeName is cut from YAML errors: the user wrote YAML, not Go.
var goTypeName = regexp.MustCompile(` (in|into) (type )?[\w.*\[\]]+\.\w+`)

// maxAuthFile bounds the --auth file.
const maxAuthFile = 1 << 20

// Auth is what an --auth file configures.
type Auth struct {
	Profiles       []core.ProfileConfig
	AdminEndpoints []string
}

// authFile is the --auth YAML format.
type authFile struct {
	Profiles       map[string]authProfile `yaml:"profiles"`
	AdminEndpoints []string               `yaml:"admin_endpoints"`
}

type authProfile struct {
	Headers map[string]string `yaml:"headers"`
	Login   *authLogin        `yaml:"login"`
	Canary  string            `yaml:"canary"`
}

type authLogin struct {
	Method       string    `yaml:"method"`
	Path         string    `yaml:"path"`
	Body         yaml.Node `yaml:"body"`
	TokenPointer string    `yaml:"token_pointer"`
	Header       string    `yaml:"header"`
	Scheme       string    `yaml:"scheme"`
}

// LoadAuth reads an --auth file. Secrets are referenced, not written in it:
// any header value, or any string in a login body, of the form env:NAME is
// replaced by the environment variable NAME (an error when it is unset).
func LoadAuth(path string) (*Auth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAuthFile+1))
	if err != nil {
		return nil, fmt.Errorf("auth file %s: %w", path, err)
	}
	if len(data) > maxAuthFile {
		return nil, fmt.Errorf("auth file %s: larger than %d KiB", path, maxAuthFile>>10)
	}
	return ParseAuth(data, path, os.LookupEnv)
}

// ParseAuth reads an --auth document; name is used in errors, lookup
// resolves env: references.
func ParseAuth(data []byte, name string, lookup func(string) (string, bool)) (*Auth, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("auth file %s: %s", name, fmt.Sprintf(format, args...))
	}
	var af authFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&af); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail("empty")
		}
		msg := goTypeName.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
		return nil, fail("%s", strings.ReplaceAll(msg, "\n ", ""))
	}
	if len(af.Profiles) == 0 {
		return nil, fail("no profiles (want profiles: user1, user2 and/or admin)")
	}
	for n := range af.Profiles {
		if !validProfileName(n) {
			return nil, fail("profile %q: unknown name (want %s)", n, strings.Join(ProfileNames, ", "))
		}
	}
	out := &Auth{AdminEndpoints: af.AdminEndpoints}
	for _, n := range ProfileNames {
		ap, ok := af.Profiles[n]
		if !ok {
			continue
		}
		pc, err := ap.config(n, lookup)
		if err != nil {
			return nil, fail("profiles.%s.%v", n, err)
		}
		out.Profiles = append(out.Profiles, pc)
	}
	return out, nil
}

func validProfileName(n string) bool {
	for _, p := range ProfileNames {
		if n == p {
			return true
		}
	}
	return false
}

func (ap authProfile) config(name string, lookup func(string) (string, bool)) (core.ProfileConfig, error) {
	pc := core.ProfileConfig{Name: name, CanaryPath: ap.Canary}
	if len(ap.Headers) == 0 && ap.Login == nil {
		return pc, errors.New("headers or login: one is needed")
	}
	if ap.Canary != "" && !strings.HasPrefix(ap.Canary, "/") {
		return pc, fmt.Errorf("canary: %q must be a path starting with /", ap.Canary)
	}
	if len(ap.Headers) > 0 {
		pc.Header = http.Header{}
		for k, v := range ap.Headers {
			val, err := resolveSecret(v, lookup)
			if err != nil {
				return pc, fmt.Errorf("headers.%s: %w", k, err)
			}
			if k == "" || strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(val, "\r\n") {
				return pc, fmt.Errorf("headers.%s: not a valid header", k)
			}
			pc.Header.Set(k, val)
		}
	}
	if l := ap.Login; l != nil {
		if !strings.HasPrefix(l.Path, "/") {
			return pc, fmt.Errorf("login.path: %q must start with /", l.Path)
		}
		if l.TokenPointer != "" && !strings.HasPrefix(l.TokenPointer, "/") {
			return pc, fmt.Errorf("login.token_pointer: %q must be a JSON pointer like /token", l.TokenPointer)
		}
		body, err := loginBody(&l.Body, lookup)
		if err != nil {
			return pc, fmt.Errorf("login.body: %w", err)
		}
		pc.Login = &core.LoginRecipe{Method: l.Method, Path: l.Path, Body: body, TokenPointer: l.TokenPointer, Header: l.Header, Scheme: l.Scheme}
	}
	return pc, nil
}

// loginBody is the body as written (a string) or a YAML mapping sent as
// JSON; env: references are resolved in either.
func loginBody(n *yaml.Node, lookup func(string) (string, bool)) (string, error) {
	switch n.Kind {
	case 0:
		return "", nil
	case yaml.ScalarNode:
		return resolveSecret(n.Value, lookup)
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return "", err
	}
	v, err := resolveTree(v, lookup)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("cannot be sent as JSON: %w", err)
	}
	return string(b), nil
}

func resolveTree(v any, lookup func(string) (string, bool)) (any, error) {
	switch t := v.(type) {
	case string:
		return resolveSecret(t, lookup)
	case map[string]any:
		for k, e := range t {
			r, err := resolveTree(e, lookup)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			t[k] = r
		}
	case []any:
		for i, e := range t {
			r, err := resolveTree(e, lookup)
			if err != nil {
				return nil, err
			}
			t[i] = r
		}
	}
	return v, nil
}

// resolveSecret replaces env:NAME by the variable's value. The error names
// the variable, never a value.
func resolveSecret(v string, lookup func(string) (string, bool)) (string, error) {
	name, ok := strings.CutPrefix(v, "env:")
	if !ok {
		return v, nil
	}
	if name == "" {
		return "", errors.New("env: needs a variable name")
	}
	val, set := lookup(name)
	if !set || val == "" {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	return val, nil
}
