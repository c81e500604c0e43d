package authz

import (
	"fmt"
	"net/url"
	"strings"
)

// pathTemplate is a compiled path template such as "/api/users/{user}/orders":
// literal segments and whole-segment {name} parameters. It matches a request
// path segment by segment from the start; extra trailing segments are
// allowed, because a route covers every path below its prefix (the gateway
// router matches prefixes), so "/api/users/{user}" also binds user in
// "/api/users/alice/orders/7".
type pathTemplate struct {
	raw      string
	segments []templateSegment
}

type templateSegment struct {
	literal string // the segment text, when param is ""
	param   string // the parameter name of a {name} segment
}

// compileTemplate parses a path template. It must start with "/", contain
// no empty segments, and use each parameter name once; a parameter fills a
// whole segment ("{id}", not "{id}.json").
func compileTemplate(s string) (*pathTemplate, error) {
	if !strings.HasPrefix(s, "/") {
		return nil, fmt.Errorf("path template %q must start with /", s)
	}
	t := &pathTemplate{raw: s}
	rest := strings.TrimSuffix(s[1:], "/")
	if rest == "" {
		return t, nil
	}
	seen := map[string]bool{}
	for seg := range strings.SplitSeq(rest, "/") {
		switch {
		case seg == "":
			return nil, fmt.Errorf("path template %q has an empty segment", s)
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && len(seg) > 2:
			name := seg[1 : len(seg)-1]
			if !validParamName(name) {
				return nil, fmt.Errorf("path template %q: invalid parameter name %q", s, name)
			}
			if seen[name] {
				return nil, fmt.Errorf("path template %q uses parameter %q twice", s, name)
			}
			seen[name] = true
			t.segments = append(t.segments, templateSegment{param: name})
		case strings.ContainsAny(seg, "{}"):
			return nil, fmt.Errorf("path template %q: segment %q mixes text and a parameter (a parameter fills a whole segment)", s, seg)
		case seg == "." || seg == ".." || strings.ContainsAny(seg, ";%\\") || strings.ContainsFunc(seg, isControl):
			return nil, fmt.Errorf("path template %q: literal segment %q must be plain text", s, seg)
		default:
			t.segments = append(t.segments, templateSegment{literal: seg})
		}
	}
	return t, nil
}

func isControl(c rune) bool { return c < 0x20 || c == 0x7f }

// validParamName accepts [A-Za-z0-9_.-]+.
func validParamName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// paramIndex returns the segment index of the parameter name, or -1.
func (t *pathTemplate) paramIndex(name string) int {
	for i, s := range t.segments {
		if s.param == name {
			return i
		}
	}
	return -1
}

// match reports whether u's path starts with the template's segments and
// returns the decoded value of segment idx (a parameter's index).
//
// It walks the escaped path, so that "%2F" inside a segment stays in that
// segment as the upstream will see it (the proxy forwards the escaped form),
// and decodes each segment it needs. Literal segments are compared without
// their ";params", as the gateway router and servlet containers read them.
// A parameter keeps its ";params": "alice;x=1" is not "alice", so such a
// value never equals a claim and the check fails closed (an upstream may
// read the segment either way).
func (t *pathTemplate) match(u *url.URL, idx int) (string, bool) {
	p := u.Path
	encoded := u.RawPath != ""
	if encoded {
		p = u.EscapedPath()
	}
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	rest, more := p[1:], true
	value := ""
	for i, ts := range t.segments {
		if !more {
			return "", false
		}
		seg := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest = rest[:j], rest[j+1:]
		} else {
			more = false
		}
		if encoded && strings.IndexByte(seg, '%') >= 0 {
			dec, err := url.PathUnescape(seg)
			if err != nil {
				return "", false
			}
			seg = dec
		}
		if ts.param == "" {
			name, _, _ := strings.Cut(seg, ";")
			if name != ts.literal {
				return "", false
			}
			continue
		}
		if i == idx {
			value = seg
		}
	}
	return value, true
}
