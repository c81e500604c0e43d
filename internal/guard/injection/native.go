package injection

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	detector "github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// errStop ends extraction early once the verdict is settled.
var errStop = errors.New("verdict settled")

// scanNative extracts every input of the request (inspect.Extract), skips
// those the schema guard constrained and those excluded, and scans the
// rest with the route's engine, adding matches to v.
func (g *Guard) scanNative(r *http.Request, body []byte, eng *detector.Engine, excl exclusionList, v *verdict) error {
	v.engine = EngineNative
	var plan *openapi.ScanPlan
	if g.planFor != nil {
		plan = g.planFor(r)
	}
	var matches []detector.Match
	visit := func(in *inspect.Input) error {
		if plan != nil {
			// The schema guard validated this request in full: inputs it
			// constrained to values that cannot carry an injection (enums,
			// numbers, uuids, strict patterns; declared keys of closed
			// objects) are not scanned again.
			if in.IsKey && plan.SkipKey(in.Source, in.Name) || !in.IsKey && plan.Skip(in.Source, in.Name) {
				return nil
			}
		}
		// Locations cost an allocation: build one only when an exclusion
		// needs it or a match is reported.
		loc := ""
		if len(excl) > 0 {
			loc = in.Location()
			if excl.skipsLocation(loc) {
				return nil
			}
		}
		matches = eng.Scan(in.Value, contextOf(in), matches[:0])
		for i := range matches {
			m := &matches[i]
			if loc == "" {
				loc = in.Location()
			}
			if len(excl) > 0 && excl.excludes(loc, m.Rule.ID, "") {
				continue
			}
			v.addScored(finding{
				rule:     m.Rule.ID,
				reason:   m.Reason,
				cwe:      m.Rule.CWE,
				category: m.Rule.OWASP,
				severity: pipeline.Severity(m.Rule.Severity),
				score:    m.Score,
				location: cleanLocation(loc),
				key:      in.IsKey,
				snippet:  redactSnippet(m.Snippet, loc, true),
				variant:  m.Variant,
			})
		}
		if v.done() {
			return errStop
		}
		return nil
	}
	err := g.extract(r, body, visit)
	if err == nil || errors.Is(err, errStop) {
		return nil
	}
	var ie *inspect.Error
	if !errors.As(err, &ie) {
		return err
	}
	switch {
	case v.total >= v.threshold:
		// An attack found before the body turned out unreadable (an XXE
		// doctype, then the undeclared entity it defines) is reported as
		// the attack it is: the Event says "xxe", not "malformed_xml".
		return nil
	case v.truncated && truncationError(ie.Code):
		// scan-prefix: a body cut at MaxBodyBytes ends mid-token by
		// construction; what came before the cut was scanned.
		return nil
	}
	return uninspectable(ie)
}

// truncationError reports whether an extraction error is what cutting a
// well-formed body short produces.
func truncationError(code string) bool {
	switch code {
	case inspect.CodeMalformedJSON, inspect.CodeMalformedXML, inspect.CodeMalformedMultipart,
		inspect.CodeMalformedForm, inspect.CodeInvalidUTF8:
		return true
	}
	return false
}

// extract runs the extractor over the request. A body that holds JSON
// under no media type, or one the extractor does not parse, is read as
// JSON: upstreams that decode JSON whatever the Content-Type would
// otherwise receive it unscanned. If it does not parse as JSON after all,
// it is read as the extractor reads unknown bodies (one text value).
func (g *Guard) extract(r *http.Request, body []byte, visit func(*inspect.Input) error) error {
	if !g.sniffJSON || !looksLikeJSON(body) || parsedMediaType(r.Header) {
		return inspect.Extract(r, body, g.inspect, visit)
	}
	asJSON := *r
	asJSON.Header = r.Header.Clone()
	asJSON.Header.Set("Content-Type", "application/json")
	err := inspect.Extract(&asJSON, body, g.inspect, visit)
	var ie *inspect.Error
	if errors.As(err, &ie) && strings.HasPrefix(ie.Field, "body") {
		return inspect.Extract(r, body, g.inspect, visit)
	}
	return err
}

// looksLikeJSON reports whether body starts, after white space, like a
// JSON object or array.
func looksLikeJSON(body []byte) bool {
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// parsedMediaType reports whether the request declares a media type the
// extractor parses into fields (JSON, XML, forms, multipart, text/plain),
// or several Content-Type headers (which it refuses): then the body is
// left to it.
func parsedMediaType(h http.Header) bool {
	types := h.Values("Content-Type")
	if len(types) != 1 {
		return len(types) > 1
	}
	mt, _, err := mime.ParseMediaType(types[0])
	if err != nil {
		return true // the extractor answers a malformed Content-Type
	}
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", mt == "text/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/x-www-form-urlencoded", mt == "multipart/form-data", mt == "text/plain":
		return true
	}
	return false
}

// contextOf maps where an input was found to the detector's context, which
// decides which detectors apply and how much a signal weighs.
func contextOf(in *inspect.Input) detector.Context {
	switch in.Source {
	case inspect.Path:
		return detector.Path
	case inspect.Query:
		return detector.Query
	case inspect.Header:
		return detector.Header
	case inspect.Cookie:
		return detector.Cookie
	case inspect.Form, inspect.Multipart:
		return detector.Form
	case inspect.JSON:
		if in.IsKey {
			return detector.JSONKey
		}
		return detector.JSONValue
	case inspect.XML:
		if strings.Contains(in.Name, "/@") {
			return detector.XMLAttr
		}
		return detector.XMLText
	case inspect.XMLDirective:
		return detector.XMLDirective
	}
	return detector.Text
}

// uninspectable answers a request the extractor refused (malformed body,
// over a limit, unsupported media type) with the extractor's status, code
// and public text: 400, 413 or 415.
func uninspectable(e *inspect.Error) *pipeline.Denial {
	ev := map[string]string{"code": e.Code}
	if e.Field != "" {
		ev["location"] = cleanLocation(e.Field)
	}
	return &pipeline.Denial{
		Status:        e.Status,
		Code:          e.Code,
		PublicMessage: e.Public,
		Rule:          e.Code,
		Severity:      pipeline.SeverityLow,
		Evidence:      ev,
		Cause:         e,
	}
}
