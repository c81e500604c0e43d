package inspect

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Options say what Extract reports.
type Options struct {
	// Limits bound the request's inputs and the parsing of its body.
	Limits Limits
	// Headers lists the names of the headers whose values are inputs,
	// best in canonical form (textproto.CanonicalMIMEHeaderKey: "X-Api-Key"). nil means DefaultHeaders; an empty, non-nil slice scans no
	// header. "Host" is the request's host.
	Headers []string
	// Cookies makes every cookie value an input (and cookie names that
	// are not plain). Off by default: cookie values are mostly session
	// secrets, which whoever reports a finding must then redact.
	Cookies bool
	// ScanUnknownBodies reports a body of an unrecognised, not binary
	// media type (text/html, text/csv, application/yaml, or no
	// Content-Type at all) as one Text input. Off by default.
	ScanUnknownBodies bool
}

// DefaultHeaders are the headers Extract scans when Options.Headers is
// nil: those upstreams log, reflect or act on, where injected payloads
// have done damage. Authorization and Cookie are left out (secrets; see
// Options.Cookies), and so are headers no upstream parses beyond a token.
// Treat it as read-only.
var DefaultHeaders = []string{
	"User-Agent",       // logged everywhere: Log4Shell (CVE-2021-44228), SQL injection into analytics tables
	"Referer",          // logged and shown in dashboards: stored XSS, log injection
	"X-Forwarded-For",  // trusted as the client address and stored: SQL injection, log forging
	"X-Forwarded-Host", // used to build absolute URLs: password-reset and cache poisoning
	"X-Original-Url",   // X-Original-URL and X-Rewrite-URL: path overrides honoured by
	"X-Rewrite-Url",    //   some frameworks (Symfony, IIS): access-control bypass, traversal
	"Origin",           // reflected into CORS and redirect responses
	"Content-Type",     // parsed by the framework: Struts2 OGNL injection (CVE-2017-5638)
}

// Extract calls visit with every input of r: the path segments, the query
// parameters, the headers of opts.Headers, the cookies when opts.Cookies,
// and the body, which is body (the already-read request body, possibly
// nil), parsed by its Content-Type:
//
//   - application/json and any +json: every key and string value
//     (WalkJSON's checks apply); keys are reported when not plain, as for
//     query parameters;
//   - application/x-www-form-urlencoded: like the query string;
//   - multipart/form-data: field values and names, file names, and the
//     content of files declared text/*, JSON or XML, parsed as such;
//   - application/xml, text/xml and any +xml: element text, attribute
//     values, directives (<!DOCTYPE …>) and processing instructions,
//     entities never expanded;
//   - text/plain: the whole body as one Text input;
//   - binary types (image/*, application/octet-stream, …): nothing;
//   - anything else, or no Content-Type: nothing, or one Text input with
//     opts.ScanUnknownBodies.
//
// Values are decoded once (percent-decoding, JSON and XML unescaping) and
// are not otherwise normalised. A parameter or field name is reported
// (IsKey) only when it is not plain: letters, digits, '_', '.', '-', and
// no "proto" or "constructor".
//
// A request that cannot be inspected safely is refused with an *Error:
// invalid percent-encoding in the path or query, a body of a declared
// JSON, XML, form or multipart type that does not parse, a body over one
// of opts.Limits, more than MaxInputs inputs, more than one Content-Type,
// or a declared charset other than UTF-8 for JSON or XML (415).
//
// visit may return an error to stop; Extract returns it unchanged. The
// *Input is reused between calls: copy the struct to keep it. Its strings
// stay valid, and may share memory with body: body must not be modified
// while they are in use.
func Extract(r *http.Request, body []byte, opts Options, visit func(*Input) error) error {
	e := &extractor{lim: opts.Limits.resolved(), visit: visit}
	if r.URL != nil {
		if err := e.path(r.URL.EscapedPath()); err != nil {
			return err
		}
		if err := e.query(r.URL.RawQuery); err != nil {
			return err
		}
	}
	headers := opts.Headers
	if headers == nil {
		headers = DefaultHeaders
	}
	if err := e.headers(r, headers); err != nil {
		return err
	}
	if opts.Cookies {
		if err := e.cookies(r.Header["Cookie"]); err != nil {
			return err
		}
	}
	if len(body) == 0 {
		return nil
	}
	return e.body(r.Header, body, opts.ScanUnknownBodies)
}

// extractor is the state of one Extract call.
type extractor struct {
	lim   Limits
	visit func(*Input) error
	in    Input
	n     int
}

// emit reports one input, enforcing MaxInputs.
func (e *extractor) emit(src Source, name, value string, isKey bool) error {
	e.n++
	if e.n > e.lim.MaxInputs {
		return newError(CodeTooManyInputs, location(src, name), fmt.Errorf("more than %d inputs", e.lim.MaxInputs))
	}
	e.in = Input{Source: src, Name: name, Value: value, IsKey: isKey}
	return e.visit(&e.in)
}

// emitPair reports a parameter: its name when it is not plain, and its
// value when it is not empty.
func (e *extractor) emitPair(src Source, name, value string) error {
	if !plainName(name) && name != "" {
		if err := e.emit(src, name, name, true); err != nil {
			return err
		}
	}
	if value == "" {
		return nil
	}
	return e.emit(src, name, value, false)
}

// path reports each segment of the escaped path, percent-decoded once,
// named by its 1-based index. Empty segments are counted, not reported.
func (e *extractor) path(p string) error {
	p = strings.TrimPrefix(p, "/")
	for i := 1; p != ""; i++ {
		var seg string
		seg, p, _ = strings.Cut(p, "/")
		if seg == "" {
			continue
		}
		value, ok := percentDecode(seg, false)
		if !ok {
			return newError(CodeInvalidPercentEncoding, location(Path, strconv.Itoa(i)), errBadPercent)
		}
		if err := e.emit(Path, strconv.Itoa(i), value, false); err != nil {
			return err
		}
	}
	return nil
}

func (e *extractor) query(raw string) error {
	return e.pairs(raw, Query, CodeInvalidPercentEncoding)
}

// pairs reports the pairs of a query string or form body; a parse error
// is refused with code.
func (e *extractor) pairs(s string, src Source, code string) error {
	badName, err := forEachPair(s, func(name, value string) error {
		return e.emitPair(src, name, value)
	})
	if errors.Is(err, errBadPercent) {
		return newError(code, location(src, badName), err)
	}
	return err
}

func (e *extractor) headers(r *http.Request, names []string) error {
	for _, name := range names {
		// Canonicalising a canonical name costs nothing; any other name
		// costs an allocation per request.
		name = http.CanonicalHeaderKey(name)
		if name == "Host" {
			if r.Host != "" {
				if err := e.emit(Header, name, r.Host, false); err != nil {
					return err
				}
			}
			continue
		}
		for _, v := range r.Header[name] {
			if v == "" {
				continue
			}
			if err := e.emit(Header, name, v, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// cookies parses Cookie header lines itself: net/http's parser drops
// cookies whose value has characters RFC 6265 forbids, and an upstream
// with a lenient parser would still read them. Values are reported as
// sent, quotes included.
func (e *extractor) cookies(lines []string) error {
	for _, line := range lines {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.Trim(part, " \t")
			if part == "" {
				continue
			}
			name, value, _ := strings.Cut(part, "=")
			if err := e.emitPair(Cookie, strings.TrimRight(name, " \t"), strings.TrimLeft(value, " \t")); err != nil {
				return err
			}
		}
	}
	return nil
}
