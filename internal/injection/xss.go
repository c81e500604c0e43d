package injection

import (
	"strings"

	libinjection "github.com/corazawaf/libinjection-go"
)

// Cross-site scripting (CWE-79).
//
// What it catches: markup or URLs that run script when a value is rendered
// in a page: <script>, tags with event handlers (<svg/onload=…>,
// <img src=x onerror=…>), attribute break-outs (" onmouseover="…),
// javascript:, vbscript: and data:text/html URLs, including their
// obfuscations (entities, escapes, tabs inside the scheme, NULs), which the
// normalisers undo.
//
// How: libinjection-go parses the value with an HTML5 tokenizer in five
// contexts (text, and unquoted, single-, double- and back-quoted attribute
// values) and flags dangerous tags, attributes and URLs (strong). Rules here
// add script URL schemes with the tabs and newlines browsers ignore inside
// them, event handlers inside any tag, and attribute break-outs.
//
// False-positive care: harmless markup (<b>, <br>, <a href="https://…">)
// passes, and so do comparisons in code ("if (a < b) { return; }").
// "javascript:" counts fully only where a URL starts (the start of the
// value, after '=', '(', a quote or '[') or when code follows it; in
// running prose ("I like javascript: it is fast") it is a High-only hint.
//
// Tuning: disable "xss" for fields that legitimately carry HTML (a CMS
// body) and sanitise them in the application instead.
var xssDetector = detector{rule: ruleXSS, contexts: valueContexts, detect: detectXSS}

func detectXSS(in *input, v *variant) hit {
	if mayBeHTML(v) && libinjection.IsXSS(v.text) {
		at := strings.IndexAny(v.text, "<\"'`=")
		return hit{score: scoreStrong, start: max(at, 0), end: max(at, 0) + 24, reason: "libinjection"}
	}
	var best hit
	if v.mask.any(cColon) {
		xssScriptURL(in, v.text, &best)
	}
	if best.score < scoreStrong && v.mask.any(cLT) {
		xssTags(v.fold, &best)
	}
	if best.score < scoreStrong && v.mask.any(cQuote) && v.mask.any(cEq) {
		xssAttributeBreakout(v.fold, &best)
	}
	if best.score < scoreStrong && v.mask.any(cLT|cGT|cAmp) {
		xssContextBreak(v.fold, &best)
	}
	return best
}

// remoteContentTags load a document, script or plugin from a URL.
var remoteContentTags = []string{"iframe", "frame", "frameset", "layer", "ilayer", "object", "embed",
	"applet", "base", "link", "meta", "import", "portal", "bgsound", "xml", "script"}

// rawTextClosers end the elements whose content the HTML parser does not
// read as markup: the only reason to send one is to escape that context.
var rawTextClosers = []string{"</title", "</textarea", "</style", "</noscript", "</xmp", "</iframe", "</noembed", "</noframes", "</plaintext"}

// jsSinks are the functions payloads call to prove execution.
var jsSinks = []string{"alert(", "prompt(", "confirm("}

// xssContextBreak finds the rest of the usual payload shapes, all likely:
// a tag that loads remote content (<iframe src=…>, <layer src=…>), a
// closer of a raw-text element (</title>, </textarea>), a proof call
// glued to markup (alert(1)>, "prompt(1)">), and Netscape's JavaScript
// entities (&{…}).
func xssContextBreak(s string, best *hit) {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		e := identEnd(s, i+1)
		if e > i+1 {
			for _, tag := range remoteContentTags {
				if s[i+1:e] == tag {
					body := s[e:min(len(s), e+maxTagScan)]
					if end := strings.IndexByte(body, '>'); end >= 0 {
						body = body[:end]
					}
					if strings.Contains(body, "src") || strings.Contains(body, "href") || strings.Contains(body, "data=") || strings.Contains(body, "http-equiv") {
						best.offer(hit{score: scoreLikely, start: i, end: e, inFold: true, reason: "remote content tag"})
						return
					}
				}
			}
		}
		next := strings.IndexByte(s[i+1:], '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	for _, c := range rawTextClosers {
		if i := strings.Index(s, c); i >= 0 {
			best.offer(hit{score: scoreLikely, start: i, end: i + len(c), inFold: true, reason: "context breakout"})
			return
		}
	}
	for _, f := range jsSinks {
		for from := 0; from < len(s); {
			i := strings.Index(s[from:], f)
			if i < 0 {
				break
			}
			i += from
			from = i + 1
			end := strings.IndexByte(s[i:], ')')
			if end < 0 || end > 64 {
				continue
			}
			j := i + end + 1
			for j < len(s) && (s[j] == ';' || s[j] == '\'' || s[j] == '"' || s[j] == ' ') {
				j++
			}
			if j < len(s) && (s[j] == '>' || s[j] == '<') {
				best.offer(hit{score: scoreLikely, start: i, end: j + 1, inFold: true, reason: "script call"})
				return
			}
		}
	}
	if i := strings.Index(s, "&{"); i >= 0 && strings.IndexByte(s[i:], '}') > 2 {
		best.offer(hit{score: scoreLikely, start: i, end: i + 2, inFold: true, reason: "javascript entity"})
	}
}

// mayBeHTML is the XSS detector's fast path. libinjection's HTML5
// tokenizer flags nothing without a tag opener ('<' followed by a letter,
// '/', '!', '?', '%' or NUL) or an '=' giving an attribute a value (see the
// tests), and it allocates, so "a < b" and plain text skip it.
func mayBeHTML(v *variant) bool {
	if v.mask.any(cEq) {
		return true
	}
	if !v.mask.any(cLT) {
		return false
	}
	s := v.text
	for i := strings.IndexByte(s, '<'); i >= 0 && i+1 < len(s); {
		if c := s[i+1]; isAlpha(c) || c == '/' || c == '!' || c == '?' || c == '%' || c == 0 {
			return true
		}
		next := strings.IndexByte(s[i+1:], '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// scriptSchemes are URL schemes that run script, in lower case, without
// the colon.
var scriptSchemes = []string{"javascript", "vbscript", "livescript", "mocha"}

// dataScriptTypes are data: URL media types a browser renders as a
// document that can run script.
var dataScriptTypes = []string{"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml", "text/javascript", "application/javascript", "application/x-javascript"}

// xssScriptURL finds javascript:/vbscript:/data: URLs. Browsers drop ASCII
// tabs and newlines anywhere in a URL and leading control characters, so
// "java\tscript:" counts; the scheme is matched backwards from each colon.
func xssScriptURL(in *input, s string, best *hit) {
	for i := strings.IndexByte(s, ':'); i >= 0; {
		if start, ok := schemeBefore(s, i, scriptSchemes); ok {
			xssRateURL(in, s, start, i+1, "script url", best)
		} else if start, ok := schemeBefore(s, i, []string{"data"}); ok {
			j := skipSpace(s, i+1)
			for _, t := range dataScriptTypes {
				if hasFoldAt(s, j, t) {
					xssRateURL(in, s, start, j+len(t), "data url", best)
					break
				}
			}
		}
		if best.score >= scoreStrong {
			return
		}
		next := strings.IndexByte(s[i+1:], ':')
		if next < 0 {
			return
		}
		i += 1 + next
	}
}

// schemeBefore reports whether one of schemes ends just before s[colon],
// ignoring tabs, CR and LF between its letters, and returns where it starts.
func schemeBefore(s string, colon int, schemes []string) (int, bool) {
	for _, sc := range schemes {
		j, k := colon-1, len(sc)-1
		for j >= 0 && k >= 0 && colon-j <= 4*len(sc) {
			c := s[j]
			if c == '\t' || c == '\n' || c == '\r' {
				j--
				continue
			}
			if toLower(c) != sc[k] {
				break
			}
			j--
			k--
		}
		if k < 0 && (j < 0 || !isAlpha(s[j])) {
			return j + 1, true
		}
	}
	return 0, false
}

// xssRateURL scores a script URL found at [start, end): strong where a URL
// starts or when code follows; likely when code-ish punctuation follows in
// prose; a hint otherwise.
func xssRateURL(in *input, s string, start, end int, reason string, best *hit) {
	h := hit{start: start, end: end, reason: reason}
	j := start - 1
	for j >= 0 && (s[j] <= ' ' || s[j] == '\'' || s[j] == '"' || s[j] == '`') {
		j--
	}
	urlStart := j < 0 || strings.IndexByte("=([{,:>", s[j]) >= 0
	k := skipSpace(s, end)
	codeFollows := k < len(s) && (strings.IndexByte("/('\"`%&\\[{;", s[k]) >= 0 ||
		anyPrefixFold(s, k, []string{"alert", "eval", "prompt", "confirm", "document", "window", "location",
			"top", "self", "this", "fetch", "import", "atob", "string.", "void", "msgbox", "execute", "new ", "function"}))
	switch {
	case urlStart || (reason == "data url" && k < len(s) && (s[k] == ',' || s[k] == ';')):
		h.score = scoreStrong
	case codeFollows:
		h.score = scoreLikely
	case in.high():
		h.score = scoreWeak
	}
	best.offer(h)
}

// anyPrefixFold reports whether s[i:] starts with one of ws, ignoring case.
func anyPrefixFold(s string, i int, ws []string) bool {
	for _, w := range ws {
		if hasFoldAt(s, i, w) {
			return true
		}
	}
	return false
}

// maxTagScan bounds how far into a tag the detector looks for a handler.
const maxTagScan = 512

// xssTags finds <script and any tag carrying an event handler attribute
// (on…=) or a srcdoc/formaction attribute, in the folded text.
func xssTags(s string, best *hit) {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		j := i + 1
		for j < len(s) && (s[j] == '/' || s[j] == ' ') && j-i < 4 {
			j++
		}
		name := identEnd(s, j)
		if name > j {
			tag := s[j:name]
			if tag == "script" && (name == len(s) || !isIdent(s[name])) {
				best.offer(hit{score: scoreStrong, start: i, end: name, inFold: true, reason: "script tag"})
				return
			}
			if at, end, ok := eventHandlerIn(s, name); ok {
				best.offer(hit{score: scoreStrong, start: i, end: max(end, at), inFold: true, reason: "event handler"})
				return
			}
		}
		next := strings.IndexByte(s[i+1:], '<')
		if next < 0 {
			return
		}
		i += 1 + next
	}
}

// eventHandlerIn looks in the tag body starting at i, up to the next '>'
// or '<' or maxTagScan bytes, for an attribute named on<letters> followed by
// '=', or srcdoc= / formaction=, after a space, '/' or a quote. It returns
// where the attribute name starts and where its value starts.
func eventHandlerIn(s string, i int) (int, int, bool) {
	limit := min(len(s), i+maxTagScan)
	for k := i; k < limit; k++ {
		switch s[k] {
		case '>', '<':
			return 0, 0, false
		case ' ', '/', '"', '\'':
		default:
			continue
		}
		end := identEnd(s, k+1)
		name := s[k+1 : end]
		if !(len(name) > 4 && strings.HasPrefix(name, "on")) && name != "srcdoc" && name != "formaction" {
			continue
		}
		if e := skipSpace(s, end); e < len(s) && s[e] == '=' {
			return k + 1, e + 1, true
		}
	}
	return 0, 0, false
}

// xssAttributeBreakout finds a quote that closes an attribute value
// followed by a new event handler attribute: "x" onmouseover="alert(1)".
func xssAttributeBreakout(s string, best *hit) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '"' && c != '\'' {
			continue
		}
		k := i + 1
		if k >= len(s) || (s[k] != ' ' && s[k] != '/') {
			continue
		}
		for k < len(s) && (s[k] == ' ' || s[k] == '/') {
			k++
		}
		end := identEnd(s, k)
		name := s[k:end]
		if len(name) > 4 && strings.HasPrefix(name, "on") && isEventName(name) {
			if e := skipSpace(s, end); e < len(s) && s[e] == '=' {
				best.offer(hit{score: scoreStrong, start: i, end: e + 1, inFold: true, reason: "attribute breakout"})
				return
			}
		}
	}
}

// eventNames are DOM event handler attribute names, for break-outs without
// a tag, where "on…=" alone would also match prose such as "onward=".
var eventNames = []string{"onload", "onerror", "onclick", "ondblclick", "onmouseover", "onmouseout",
	"onmouseenter", "onmouseleave", "onmousemove", "onmousedown", "onmouseup", "onfocus", "onblur",
	"onfocusin", "onfocusout", "onchange", "oninput", "onsubmit", "onreset", "onkeydown", "onkeyup",
	"onkeypress", "onanimationstart", "onanimationend", "onanimationiteration", "ontransitionend",
	"ontoggle", "onpointerover", "onpointerdown", "onpointerenter", "onbegin", "onend", "onpageshow",
	"onhashchange", "onresize", "onscroll", "onwheel", "oncontextmenu", "ondrag", "ondragstart",
	"ondrop", "onstart", "onfinish", "onbeforeprint", "onafterprint", "onbeforeunload", "onunload",
	"onmessage", "onpopstate", "onplay", "oncanplay", "onloadstart", "onprogress", "ontimeupdate",
	"onended", "onselect", "oncopy", "oncut", "onpaste", "oninvalid", "onsearch", "onshow",
	"onauxclick", "onreadystatechange", "onbeforetoggle", "oncontentvisibilityautostatechange"}

func isEventName(name string) bool {
	for _, n := range eventNames {
		if n == name {
			return true
		}
	}
	return false
}
