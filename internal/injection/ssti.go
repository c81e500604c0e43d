package injection

import "strings"

// Server-side template injection (CWE-1336).
//
// What it catches: template expressions that a server renders instead of
// printing: Jinja2/Twig/Handlebars {{…}} and {%…%}, JSP/EL, Freemarker,
// Velocity, Spring and JavaScript ${…}, Ruby and JSF #{…}, ERB <%= … %>,
// Thymeleaf *{…} and [[…]], Razor @(…), whenever the expression computes
// ({{7*7}}, ${7*'7'}), walks object internals to reach code
// ({{"".__class__.__mro__[1].__subclasses__()}}, {{config.items()}},
// ${T(java.lang.Runtime).getRuntime().exec('id')},
// <#assign ex="freemarker.template.utility.Execute"?new()>), or calls a
// function.
//
// How: each delimiter pair is located left to right (each opener is matched
// with the nearest closer, so the scan is linear even on "{{{{…"), and the
// expression between them is classified: a gadget (dunder attributes,
// Runtime, ProcessBuilder, popen, constructor.constructor…) or literal
// arithmetic is strong; a function call is likely; attribute access
// ({{user.name}}) is a High-only hint.
//
// False-positive care: "{{name}}" and "${name}" are placeholders that
// templates in APIs (email templates, i18n strings) and prose contain all
// the time: they never count. Log4j lookups (${jndi:…}, ${env:…}) belong to
// the JNDI detector and shell's ${IFS} to command injection.
//
// Tuning: routes that store user-written templates should disable "ssti"
// only if the template engine runs sandboxed.
var sstiDetector = detector{rule: ruleSSTI, contexts: valueContexts, detect: detectSSTI}

// templateDelims are the expression syntaxes of common template engines.
var templateDelims = []struct{ open, close string }{
	{"{{", "}}"}, {"{%", "%}"}, {"${", "}"}, {"#{", "}"}, {"<%", "%>"}, {"*{", "}"},
	{"[[", "]]"}, {"@(", ")"}, {"<#", ">"}, {"#set(", ")"},
}

// maxExpression bounds the length of a template expression that is
// classified; longer spans are cut (the classification only needs a
// prefix).
const maxExpression = 1024

func detectSSTI(in *input, v *variant) hit {
	if !v.mask.any(cLBrace | cLT | cBracket | cAt | cHash | cUnderscore) {
		return hit{}
	}
	s := v.fold
	var best hit
	for _, d := range templateDelims {
		for from := 0; from < len(s); {
			i := strings.Index(s[from:], d.open)
			if i < 0 {
				break
			}
			i += from
			body := i + len(d.open)
			end := strings.Index(s[body:], d.close)
			if end < 0 {
				break // no closer after this opener means none after later ones either
			}
			expr := s[body : body+min(end, maxExpression)]
			if score, reason := classifyExpression(in, d.open, expr); score > 0 {
				best.offer(hit{score: score, start: i, end: body + end + len(d.close), inFold: true, reason: reason})
				if best.score >= scoreStrong {
					return best
				}
			}
			from = body + end + len(d.close)
		}
	}
	if best.score < scoreStrong && v.mask.any(cUnderscore) {
		sstiGadgetsAnywhere(s, &best)
	}
	return best
}

// templateGadgets are names used to climb from a template's sandbox to
// code execution, in lower case.
var templateGadgets = []string{
	"__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__", "__import__",
	"__base__", "__bases__", "__init__.", "__getitem__", "__dict__", "func_globals", "mro()",
	"getruntime", "java.lang", "processbuilder", "forname(", "classloader", "getclass(",
	"freemarker.template.utility", "?new(", "os.popen", "popen(", "subprocess", "eval(", "exec(",
	"system(", "request.application", "config.items", "config.__class", "self._templatereference",
	"lipsum.", "cycler.", "joiner.", "namespace.__init", "url_for.__globals", "get_flashed_messages",
	"constructor.constructor", "registerundefinedfiltercallback", "_self.env", "getfilter(",
	"t(java", "@java.", "#context", "#_memberaccess", "ognl", "%x(", "file.read", "io.popen",
	"kernel.", "process.mainmodule", "require(", "child_process", "|attr(", "\\x5f\\x5f",
	".getclass", "new java", "scriptengine", "object.new", "system.diagnostics", "runtime.exec",
}

// classifyExpression scores a template expression.
func classifyExpression(in *input, open, expr string) (int, string) {
	e := strings.TrimSpace(expr)
	if open == "<%" {
		e = strings.TrimSpace(strings.TrimLeft(e, "=-#"))
	}
	if e == "" {
		return 0, ""
	}
	if open == "${" && logLookupOrShell(e) {
		return 0, ""
	}
	for _, g := range templateGadgets {
		if strings.Contains(e, g) {
			return scoreStrong, "template gadget"
		}
	}
	if literalArithmetic(e) {
		return scoreStrong, "template arithmetic"
	}
	if open == "@(" || open == "<#" || open == "#set(" {
		// Razor, Freemarker directives and Velocity only count with
		// gadgets or arithmetic: otherwise they are e-mail addresses,
		// tags or prose.
		return 0, ""
	}
	if call := strings.IndexByte(e, '('); call > 0 && isIdent(e[call-1]) && strings.IndexByte(e[call:], ')') > 0 {
		return scoreLikely, "template call"
	}
	if strings.Contains(e, "['") || strings.Contains(e, "[\"") {
		return scoreLikely, "template subscript"
	}
	if in.high() && strings.IndexByte(e, '.') > 0 && isIdent(e[0]) {
		return scoreWeak, "template expression"
	}
	return 0, ""
}

// logLookupOrShell reports whether a ${…} body is a Log4j lookup or a shell
// parameter, which other detectors judge.
func logLookupOrShell(e string) bool {
	if e == "ifs" {
		return true
	}
	c := strings.IndexByte(e, ':')
	if c <= 0 {
		return strings.HasPrefix(e, "${") // nested lookups: ${${lower:j}ndi:…}
	}
	for i := 0; i < c; i++ {
		if !isIdent(e[i]) {
			return false
		}
	}
	return true
}

// literalArithmetic reports whether e is arithmetic on literals: 7*7,
// 7*'7', 191*7, 1+1, with optional spaces: the universal probe for template
// evaluation.
func literalArithmetic(e string) bool {
	i, operands, ops := 0, 0, 0
	for i < len(e) {
		i = skipSpace(e, i)
		if i >= len(e) {
			break
		}
		c := e[i]
		switch {
		case isDigit(c):
			for i < len(e) && (isDigit(e[i]) || e[i] == '.') {
				i++
			}
			operands++
		case c == '\'' || c == '"':
			end := strings.IndexByte(e[i+1:], c)
			if end < 0 || end > 16 {
				return false
			}
			i += end + 2
			operands++
		case strings.IndexByte("*+-/%", c) >= 0:
			i++
			ops++
		default:
			return false
		}
	}
	return ops > 0 && operands >= 2 && operands == ops+1
}

// sstiGadgetsAnywhere finds the Python sandbox-escape chain outside any
// delimiter (the delimiters may have been stripped by a filter, or be in a
// part of the value the template engine receives separately): likely.
func sstiGadgetsAnywhere(s string, best *hit) {
	for _, g := range []string{"__subclasses__", "__globals__", "__builtins__", "__mro__"} {
		if i := strings.Index(s, g); i >= 0 {
			best.offer(hit{score: scoreLikely, start: i, end: i + len(g), inFold: true, reason: "template gadget"})
			return
		}
	}
}
