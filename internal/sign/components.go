package sign

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Derived component names (RFC 9421 §2.2) supported for requests.
// @query-param, @status and the field parameters sf, key, bs, req and tr
// are not supported: a signature covering them is refused rather than
// verified with a guessed canonicalisation.
const (
	ComponentMethod        = "@method"
	ComponentTargetURI     = "@target-uri"
	ComponentAuthority     = "@authority"
	ComponentScheme        = "@scheme"
	ComponentRequestTarget = "@request-target"
	ComponentPath          = "@path"
	ComponentQuery         = "@query"
	// ComponentContentDigest is the RFC 9530 field that binds the body.
	ComponentContentDigest = "content-digest"
)

// errUnsupportedComponent is wrapped when a component cannot be derived.
var errUnsupportedComponent = errors.New("unsupported component")

// ErrMissingComponent is wrapped when a covered header field is absent.
var ErrMissingComponent = errors.New("covered component is missing from the message")

// Component is a component identifier: a lowercase field name or a derived
// component name starting with '@', with its parameters.
type Component struct {
	Name   string
	Params Params
}

// ParseComponent parses an identifier as written in configuration or on a
// command line: `@method`, `content-type`, or the structured form
// `"@method"` with optional parameters.
func ParseComponent(s string) (Component, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, `"`) {
		name, rest, _ := strings.Cut(s, ";")
		s = `"` + name + `"`
		if rest != "" {
			s += ";" + rest
		}
	}
	it, err := ParseItem(s)
	if err != nil {
		return Component{}, fmt.Errorf("parsing component %q: %w", s, err)
	}
	return componentFromItem(it)
}

func componentFromItem(it Item) (Component, error) {
	name, ok := it.Value.(string)
	if !ok {
		return Component{}, fmt.Errorf("%w: component identifier is not a string", errSyntax)
	}
	c := Component{Name: name, Params: it.Params}
	if err := c.validate(); err != nil {
		return Component{}, err
	}
	return c, nil
}

// validate refuses identifiers this package cannot derive. Field names
// must be lowercase (RFC 9421 §2.1).
func (c Component) validate() error {
	if len(c.Params) > 0 {
		return fmt.Errorf("%w: %q with parameters", errUnsupportedComponent, c.Name)
	}
	switch c.Name {
	case ComponentMethod, ComponentTargetURI, ComponentAuthority, ComponentScheme,
		ComponentRequestTarget, ComponentPath, ComponentQuery:
		return nil
	case "", "@signature-params":
		return fmt.Errorf("%w: %q", errUnsupportedComponent, c.Name)
	}
	if c.Name[0] == '@' {
		return fmt.Errorf("%w: %q", errUnsupportedComponent, c.Name)
	}
	for i := 0; i < len(c.Name); i++ {
		if ch := c.Name[i]; !isTChar(ch) || (ch >= 'A' && ch <= 'Z') {
			return fmt.Errorf("%w: field name %q is not a lowercase token", errUnsupportedComponent, c.Name)
		}
	}
	return nil
}

func (c Component) item() Item { return Item{Value: c.Name, Params: c.Params} }

// String returns the serialized identifier, e.g. `"@method"`.
func (c Component) String() string {
	s, err := SerializeItem(c.item())
	if err != nil {
		return fmt.Sprintf("%q", c.Name)
	}
	return s
}

// appendValue appends the component value of c for request r (a client
// request being signed or a server request being verified).
func appendValue(dst []byte, c Component, r *http.Request) ([]byte, error) {
	switch c.Name {
	case ComponentMethod:
		return append(dst, r.Method...), nil
	case ComponentTargetURI:
		dst = append(dst, scheme(r)...)
		dst = append(dst, "://"...)
		dst = append(dst, authority(r)...)
		return appendRequestTarget(dst, r), nil
	case ComponentAuthority:
		return append(dst, authority(r)...), nil
	case ComponentScheme:
		return append(dst, scheme(r)...), nil
	case ComponentRequestTarget:
		return appendRequestTarget(dst, r), nil
	case ComponentPath:
		return append(dst, path(r)...), nil
	case ComponentQuery:
		// RFC 9421 §2.2.7: the query with its leading '?', or "?" alone.
		dst = append(dst, '?')
		return append(dst, r.URL.RawQuery...), nil
	}
	return appendField(dst, c.Name, r)
}

// appendField appends a header field value: every field line trimmed of
// surrounding whitespace, joined with ", " (RFC 9421 §2.1).
func appendField(dst []byte, name string, r *http.Request) ([]byte, error) {
	if name == "host" {
		// net/http moves Host out of the header map on servers.
		if h := r.Host; h != "" {
			return append(dst, h...), nil
		}
	}
	lines := r.Header.Values(name)
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrMissingComponent, name)
	}
	for i, l := range lines {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, strings.TrimSpace(l)...)
	}
	return dst, nil
}

// scheme is the request's scheme: from the URL of a client request, from
// the connection for a server request. A gateway behind a TLS-terminating
// load balancer sees "http"; partners then cover @path and @query rather
// than @target-uri.
func scheme(r *http.Request) string {
	if r.URL.Scheme != "" {
		return strings.ToLower(r.URL.Scheme)
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// authority is the host[:port], lowercased, without the scheme's default
// port (RFC 9421 §2.2.3).
func authority(r *http.Request) string {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	host = strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		s := scheme(r)
		if (s == "https" && port == "443") || (s == "http" && port == "80") {
			if strings.Contains(h, ":") {
				return "[" + h + "]"
			}
			return h
		}
	}
	return host
}

func path(r *http.Request) string {
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

func appendRequestTarget(dst []byte, r *http.Request) []byte {
	dst = append(dst, path(r)...)
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		dst = append(dst, '?')
		dst = append(dst, r.URL.RawQuery...)
	}
	return dst
}
