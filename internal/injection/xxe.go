package injection

import "strings"

// XML external entities and entity expansion (CWE-611, CWE-776).
//
// What it catches: document type declarations that make an XML parser read
// files or URLs (<!ENTITY x SYSTEM "file:///etc/passwd">, PUBLIC
// identifiers, external DTDs <!DOCTYPE x SYSTEM "http://evil/x.dtd">),
// parameter entities used for out-of-band exfiltration (<!ENTITY % p …>,
// and %p; references inside a DOCTYPE), entity expansion bombs ("billion laughs": entities defined by
// many references to other entities), and XInclude.
//
// How: only XML directives (the text of <!DOCTYPE …>, as the XML
// inspector hands it over) and raw text bodies are read; entity
// declarations are found by keyword and classified by what follows the
// name. A DOCTYPE's external identifier pointing to w3.org (the XHTML and
// SVG DTDs) is ignored.
//
// False-positive care: a plain <!DOCTYPE html> and internal entities used
// a few times pass.
//
// Tuning: keep it on: APIs almost never need DTDs; if one does, disable
// "xxe" on that route and make sure its parser does not resolve external
// entities.
var xxeDetector = detector{rule: ruleXXE, contexts: setOf(XMLDirective, Text), detect: detectXXE}

// Entity bomb thresholds: this many declarations whose values hold this
// many references in total are an expansion bomb.
const (
	bombMinEntities   = 3
	bombMinReferences = 10
)

func detectXXE(in *input, v *variant) hit {
	s := v.fold
	var best hit
	declarations, references := 0, 0
	for i := strings.Index(s, "entity"); i >= 0; {
		if i == 0 || s[i-1] == '!' || isSpace(s[i-1]) || s[i-1] == '[' {
			j := skipSpace(s, i+6)
			if j < len(s) && j > i+6 {
				declarations++
				param := s[j] == '%'
				if param {
					j = skipSpace(s, j+1)
				}
				name := identEnd(s, j)
				for name < len(s) && (s[name] == '-' || s[name] == '.' || s[name] == ':' || isIdent(s[name])) {
					name++
				}
				k := skipSpace(s, name)
				switch {
				case name > j && (wordAt(s, k, "system") || wordAt(s, k, "public")):
					best.offer(hit{score: scoreStrong, start: i, end: k + 6, inFold: true, reason: "external entity"})
				case param && name > j:
					best.offer(hit{score: scoreStrong, start: i, end: k, inFold: true, reason: "parameter entity"})
				}
				if best.score >= scoreStrong {
					return best
				}
				references += entityRefsInValue(s, k)
			}
		}
		next := strings.Index(s[i+6:], "entity")
		if next < 0 {
			break
		}
		i += 6 + next
	}
	if declarations >= bombMinEntities && references >= bombMinReferences {
		return hit{score: scoreStrong, start: 0, end: 32, inFold: true, reason: "entity expansion"}
	}
	if declarations > 0 && in.high() {
		best.offer(hit{score: scoreWeak, start: 0, end: 32, inFold: true, reason: "internal entity"})
	}
	if i := strings.Index(s, "doctype"); i >= 0 {
		j := identEnd(s, skipSpace(s, i+7))
		k := skipSpace(s, j)
		if wordAt(s, k, "system") || wordAt(s, k, "public") {
			id := s[k:min(len(s), k+256)]
			if !strings.Contains(id, "w3.org/") && (strings.Contains(id, "://") || strings.Contains(id, "file:")) {
				best.offer(hit{score: scoreStrong, start: i, end: k + 6, inFold: true, reason: "external dtd"})
			}
		}
	}
	if best.score < scoreLikely && strings.Contains(s, "doctype") {
		xxeParameterReference(s, &best)
	}
	if i := strings.Index(s, "xi:include"); i >= 0 || strings.Contains(s, "w3.org/2001/xinclude") {
		best.offer(hit{score: scoreStrong, start: max(i, 0), end: max(i, 0) + 10, inFold: true, reason: "xinclude"})
	}
	return best
}

// entityRefsInValue counts &name; references in the quoted entity value
// starting at i (bounded to the value's closing quote).
func entityRefsInValue(s string, i int) int {
	if i >= len(s) || (s[i] != '"' && s[i] != '\'') {
		return 0
	}
	end := strings.IndexByte(s[i+1:], s[i])
	if end < 0 {
		return 0
	}
	return strings.Count(s[i+1:i+1+end], "&")
}

// xxeParameterReference finds a parameter-entity reference ("%name;") in a
// document type declaration: parameter entities only exist to build DTDs,
// and a reference to one declared elsewhere pulls in an external DTD (the
// out-of-band exfiltration pattern): likely.
func xxeParameterReference(s string, best *hit) {
	for i := strings.IndexByte(s, '%'); i >= 0; {
		e := identEnd(s, i+1)
		if e > i+1 && e < len(s) && s[e] == ';' {
			best.offer(hit{score: scoreLikely, start: i, end: e + 1, inFold: true, reason: "parameter entity"})
			return
		}
		next := strings.IndexByte(s[i+1:], '%')
		if next < 0 {
			return
		}
		i += 1 + next
	}
}
