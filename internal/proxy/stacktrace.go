package proxy

import "bytes"

// The detector below decides whether an upstream error body leaks
// internals: a stack trace (CWE-209) names files, functions and versions an
// attacker can aim at, and a raw database error confirms an injection point.
// It runs only on 5xx bodies, over at most peekSize bytes, and allocates
// nothing. Matching is case-sensitive on the spellings runtimes really print.

// traceMarkers betray a stack trace or database error wherever they occur.
// Read-only.
var traceMarkers = [][]byte{
	[]byte("Traceback (most recent call last)"),        // Python
	[]byte("Exception in thread \""),                   // Java
	[]byte("Stack trace:"),                             // PHP
	[]byte("Fatal error: Uncaught"),                    // PHP
	[]byte("--- End of stack trace from previous"),     // .NET
	[]byte("--- End of inner exception stack trace"),   // .NET
	[]byte("runtime error: "),                          // Go panic value
	[]byte("SQL logic error"),                          // SQLite
	[]byte("syntax error near"),                        // SQLite et al.
	[]byte("syntax error at or near"),                  // PostgreSQL
	[]byte("SQLSTATE"),                                 // PDO, JDBC, ODBC
	[]byte("You have an error in your SQL syntax"),     // MySQL
	[]byte("unterminated quoted string"),               // PostgreSQL
	[]byte("quoted string not properly terminated"),    // Oracle
	[]byte("Unclosed quotation mark after the charac"), // SQL Server
	[]byte("SQLException"),                             // JDBC
	[]byte("sqlalchemy.exc."),                          // Python
}

// fileLineMarkers are source locations: the marker must follow a file-name
// character and be followed by a line number ("main.go:42", "Bar.java:12",
// `app.py", line 7`, "x.js:1:2", "Foo.cs:line 9", "x.php on line 3").
// Read-only.
var fileLineMarkers = [][]byte{
	[]byte(".go:"),
	[]byte(".java:"),
	[]byte(".kt:"),
	[]byte(".scala:"),
	[]byte(".py\", line "),
	[]byte(".js:"),
	[]byte(".mjs:"),
	[]byte(".cjs:"),
	[]byte(".ts:"),
	[]byte(".rb:"),
	[]byte(".php:"),
	[]byte(".php on line "),
	[]byte(".cs:line "),
}

var (
	goroutineMarker = []byte("goroutine ")
	panicMarker     = []byte("panic: ")
	atMarker        = []byte("at ")
)

// looksLikeStackTrace reports whether b looks like a stack trace or a
// database error message.
func looksLikeStackTrace(b []byte) bool {
	for _, m := range traceMarkers {
		if bytes.Contains(b, m) {
			return true
		}
	}
	for _, m := range fileLineMarkers {
		if hasFileLine(b, m) {
			return true
		}
	}
	return hasGoroutineHeader(b) || hasAtLineStart(b, panicMarker) || hasFrame(b)
}

// hasFileLine finds marker preceded by a file-name character and followed
// by a digit.
func hasFileLine(b, marker []byte) bool {
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], marker)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(marker)
		if at > 0 && isNameChar(b[at-1]) && end < len(b) && isDigit(b[end]) {
			return true
		}
		i = at + 1
	}
	return false
}

// hasGoroutineHeader finds Go's "goroutine 17 [running]:".
func hasGoroutineHeader(b []byte) bool {
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], goroutineMarker)
		if j < 0 {
			return false
		}
		k := i + j + len(goroutineMarker)
		digits := 0
		for k < len(b) && isDigit(b[k]) {
			k++
			digits++
		}
		if digits > 0 && k+1 < len(b) && b[k] == ' ' && b[k+1] == '[' {
			return true
		}
		i += j + 1
	}
	return false
}

// hasAtLineStart finds marker at the start of a line.
func hasAtLineStart(b, marker []byte) bool {
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], marker)
		if j < 0 {
			return false
		}
		if atLineStart(b, i+j) {
			return true
		}
		i += j + 1
	}
	return false
}

// hasFrame finds an indented call frame: "\tat com.foo.Bar.baz(",
// "   at App.Controllers.Home.Index() in", "    at Object.<anonymous> (".
func hasFrame(b []byte) bool {
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], atMarker)
		if j < 0 {
			return false
		}
		at := i + j
		i = at + 1
		k := at
		for k > 0 && (b[k-1] == ' ' || b[k-1] == '\t') {
			k--
		}
		if k == at || !atLineStart(b, k) {
			continue
		}
		name := at + len(atMarker)
		e, dots := name, 0
		for e < len(b) && isFrameChar(b[e]) {
			if b[e] == '.' {
				dots++
			}
			e++
		}
		if e == name || b[name] == '.' || dots == 0 || e >= len(b) {
			continue
		}
		if b[e] == '(' || (b[e] == ' ' && e+1 < len(b) && b[e+1] == '(') {
			return true
		}
	}
	return false
}

// atLineStart reports whether i starts a line: the body's start, after a
// newline, or after an escaped "\n" or opening quote inside a JSON string.
func atLineStart(b []byte, i int) bool {
	if i == 0 {
		return true
	}
	switch b[i-1] {
	case '\n', '"':
		return true
	case 'n':
		return i >= 2 && b[i-2] == '\\'
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_' || c == '-'
}

func isFrameChar(c byte) bool {
	switch c {
	case '.', '$', '<', '>', '`', '[', ']', ',', '+':
		return true
	}
	return isNameChar(c)
}
