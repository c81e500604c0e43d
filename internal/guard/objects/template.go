package objects

import (
	"fmt"
	"net/url"
	"strings"
)

// pathTemplate is a compiled path template such as "/api/items/{id}":
// literal segments and whole-segment {name} parameters, one of which holds
// the object id.
type pathTemplate struct {
	raw      string
	segments []templateSegment
	idIndex  int // index in segments of the id parameter
}

type templateSegment struct {
	literal string // the segment text, when param is false
	param   bool
}

// compileTemplate parses a path template and finds param in it. The
// template must start with "/", have no empty segments, and use each
// parameter name once; a parameter fills a whole segment.
func compileTemplate(s, param string) (*pathTemplate, error) {
	if !strings.HasPrefix(s, "/") {
		return nil, fmt.Errorf("path template %q must start with /", s)
	}
	t := &pathTemplate{raw: s, idIndex: -1}
	rest := strings.TrimSuffix(s[1:], "/")
	if rest == "" {
		return nil, fmt.Errorf("path template %q has no parameter", s)
	}
	seen := map[string]bool{}
	for seg := range strings.SplitSeq(rest, "/") {
		switch {
		case seg == "":
			return nil, fmt.Errorf("path template %q has an empty segment", s)
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && len(seg) > 2:
			name := seg[1 : len(seg)-1]
			if !validName(name, 64) {
				return nil, fmt.Errorf("path template %q: invalid parameter name %q", s, name)
			}
			if seen[name] {
				return nil, fmt.Errorf("path template %q uses parameter %q twice", s, name)
			}
			seen[name] = true
			if name == param {
				t.idIndex = len(t.segments)
			}
			t.segments = append(t.segments, templateSegment{param: true})
		case strings.ContainsAny(seg, "{}"):
			return nil, fmt.Errorf("path template %q: segment %q mixes text and a parameter (a parameter fills a whole segment)", s, seg)
		case seg == "." || seg == ".." || strings.ContainsAny(seg, ";%\\") || strings.ContainsFunc(seg, isControl):
			return nil, fmt.Errorf("path template %q: literal segment %q must be plain text", s, seg)
		default:
			t.segments = append(t.segments, templateSegment{literal: seg})
		}
	}
	if t.idIndex < 0 {
		return nil, fmt.Errorf("path template %q has no parameter {%s}", s, param)
	}
	return t, nil
}

// objectIDs returns the object ids u's path names under this template: none
// when the path is not an access to such an object, usually one, and two
// when servers could read the path two ways.
//
// An upstream may read a path differently from the gateway, and an attacker
// who finds a reading the guard does not check reaches any object (OWASP
// API1:2023 through path confusion). So the path is read the ways common
// servers read it, and every id found must pass:
//
//   - segment by segment on the escaped path, each segment %-decoded, as
//     net/http's ServeMux routes: "%2F" stays inside its segment;
//   - on the fully decoded path, "/" and "\" both separating segments, as
//     servers that decode before routing (and IIS) do: "%2F" splits.
//
// Both readings skip empty segments ("//", merged by nginx and others, and
// ";x", which Tomcat empties),
// resolve "." and ".." (RFC 3986 §5.2.4, also as "..;x", which Tomcat
// reads as ".."), compare literal segments without their ";params"
// (servlet path parameters) and case-insensitively (ASP.NET, Spring with
// case-insensitive matching). Over-matching is the safe error: a path
// that only looks like an object access is checked, and its odd id, never
// served, is refused. The id keeps its ";params": "7;x" is not "7".
func (t *pathTemplate) objectIDs(u *url.URL) (ids [2]string, n int) {
	decode := u.RawPath != ""
	p := u.Path
	if decode {
		p = u.EscapedPath()
	}
	if id, ok := t.match(p, decode, false); ok {
		ids[n] = id
		n++
	}
	if !decode && strings.IndexByte(u.Path, '\\') < 0 {
		return ids, n // the second reading is the same path
	}
	if id, ok := t.match(u.Path, false, true); ok && (n == 0 || ids[0] != id) {
		ids[n] = id
		n++
	}
	return ids, n
}

// match reads path p (escaped when decode is set) as described on
// objectIDs and returns the id segment when the template matches.
func (t *pathTemplate) match(p string, decode, backslash bool) (string, bool) {
	var buf [16]string
	segs := buf[:0]
	for rest := p; rest != ""; {
		var seg string
		i := strings.IndexByte(rest, '/')
		if backslash {
			i = strings.IndexAny(rest, `/\`)
		}
		if i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			seg, rest = rest, ""
		}
		if decode && strings.IndexByte(seg, '%') >= 0 {
			if dec, err := url.PathUnescape(seg); err == nil {
				seg = dec
			}
		}
		name, _, _ := strings.Cut(seg, ";")
		switch name {
		case "", ".":
			// Empty, also as ";x": Tomcat drops path parameters, then
			// merges the slashes around them.
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	if len(segs) < len(t.segments) {
		return "", false
	}
	for i, ts := range t.segments {
		if ts.param {
			continue
		}
		name, _, _ := strings.Cut(segs[i], ";")
		if !strings.EqualFold(name, ts.literal) {
			return "", false
		}
	}
	return segs[t.idIndex], true
}

func isControl(c rune) bool { return c < 0x20 || c == 0x7f }

// validName accepts 1 to max characters of [A-Za-z0-9_.-].
func validName(name string, max int) bool {
	if name == "" || len(name) > max {
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
