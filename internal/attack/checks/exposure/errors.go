package exposure

import (
	"regexp"
	"strings"
)

// errorSignature recognises one kind of verbose error.
type errorSignature struct {
	kind   Kind
	detail string
	// needles: the expression runs only when one of these literals is in
	// the text, which keeps the scan of a large clean answer cheap.
	needles []string
	re      *regexp.Regexp
}

// errorSignatures are stack-trace, database-error and debug-page markers of
// common stacks. Each needs structure (a file and line, an error code), not
// just a word, so an API that merely mentions "exception" in a message is
// not flagged.
var errorSignatures = []errorSignature{
	{KindStackTrace, "Go stack trace", []string{"goroutine ", ".go:"}, regexp.MustCompile(`goroutine [0-9]+ \[[a-z ,0-9]+\]:|\n\s*/\S+\.go:[0-9]+ \+0x[0-9a-f]+|panic: .+\n\s*\ngoroutine `)},
	{KindStackTrace, "Java stack trace", []string{".java:", ".kt:", ".scala:", ".groovy:", "Native Method", "Unknown Source", "Exception in thread"}, regexp.MustCompile(`\bat [a-zA-Z_$][\w$]*(?:\.[\w$<>]+)+\((?:[\w$]+\.(?:java|kt|scala|groovy):[0-9]+|Native Method|Unknown Source)\)|Exception in thread "[^"]*" [\w.$]+`)},
	{KindStackTrace, "Python traceback", []string{"Traceback", ".py\", line"}, regexp.MustCompile(`Traceback \(most recent call last\):|File "[^"\n]+\.py", line [0-9]+, in `)},
	{KindStackTrace, ".NET stack trace", []string{":line ", "Server Error in"}, regexp.MustCompile(`\bat [\w.<>` + "`" + `]+\([^)\n]*\) in [^\n]+:line [0-9]+|Server Error in '[^']*' Application`)},
	{KindStackTrace, "Node.js stack trace", []string{".js:", ".mjs:", ".cjs:", ".ts:"}, regexp.MustCompile(`\bat (?:[\w.<>$\[\] ]+ )?\(?(?:/|[A-Z]:\\|file:///|node:)[^\s()]+\.(?:js|mjs|cjs|ts):[0-9]+:[0-9]+\)?`)},
	{KindStackTrace, "PHP error", []string{".php", "Stack trace:"}, regexp.MustCompile(`(?:Fatal error|Parse error|Uncaught \w+):? .{0,300}? in (?:/|[A-Z]:\\)\S+\.php(?::[0-9]+| on line [0-9]+)|Stack trace:\s*\n#0 `)},
	{KindStackTrace, "Ruby backtrace", []string{".rb:"}, regexp.MustCompile(`\S+\.rb:[0-9]+:in [` + "`" + `'][^'\n]+'`)},
	{KindSQLError, "MySQL error", []string{"SQL syntax", "mysql_", "mysql.jdbc", "MySqlException", "MySQL", "MariaDB"}, regexp.MustCompile(`You have an error in your SQL syntax|Warning: mysql_|com\.mysql\.jdbc|MySqlException|check the manual that corresponds to your (?:MySQL|MariaDB) server version`)},
	{KindSQLError, "PostgreSQL error", []string{"PG::", "psycopg", "syntax error at or near", "unterminated quoted string", "PSQLException", "pq: "}, regexp.MustCompile(`PG::\w+Error|psycopg2?\.\w+|ERROR:\s+syntax error at or near|unterminated quoted string at or near|org\.postgresql\.util\.PSQLException|pq: syntax error`)},
	{KindSQLError, "SQL Server error", []string{"Unclosed quotation mark", "OLE DB", "SqlException", "[SQL Server]"}, regexp.MustCompile(`Unclosed quotation mark after the character string|Microsoft OLE DB Provider for SQL Server|System\.Data\.SqlClient\.SqlException|\[SQL Server\]`)},
	{KindSQLError, "Oracle error", []string{"ORA-"}, regexp.MustCompile(`\bORA-[0-9]{5}\b`)},
	{KindSQLError, "SQLite error", []string{"SQLite", "sqlite3", "SQLITE_ERROR", "SQL logic error", "syntax error", "unrecognized token"}, regexp.MustCompile(`SQLite3?::\w+|sqlite3\.OperationalError|SQLITE_ERROR|SQL logic error|near "[^"\n]{0,64}": syntax error|unrecognized token: "`)},
	{KindSQLError, "SQL error", []string{"SQLSTATE[", "java.sql.", "org.hibernate."}, regexp.MustCompile(`SQLSTATE\[[0-9A-Z]{5}\]|java\.sql\.SQLException|org\.hibernate\.\w+`)},
	{KindDebugPage, "Django debug page", []string{"DEBUG = True", "URLconf"}, regexp.MustCompile(`You're seeing this error because you have <code>DEBUG = True</code>|Using the URLconf defined in`)},
	{KindDebugPage, "Laravel/Symfony debug page", []string{"Whoops", "Symfony\\", "Illuminate\\"}, regexp.MustCompile(`Whoops, looks like something went wrong|Symfony\\Component\\|Illuminate\\[A-Z]\w+\\`)},
	{KindDebugPage, "Rails debug page", []string{"Action Controller", "Routing Error"}, regexp.MustCompile(`Action Controller: Exception caught|<h1>Routing Error</h1>`)},
	{KindDebugPage, "Werkzeug debugger", []string{"Werkzeug", "debugger caught"}, regexp.MustCompile(`Werkzeug Debugger|The debugger caught an exception in your WSGI application`)},
}

// maxErrorScan bounds the text scanned for error signatures; a trace
// starts near the top of an error page.
const maxErrorScan = 256 << 10

// VerboseErrors finds stack traces, database errors and framework debug
// pages in a body (CWE-209). Value is the matched line, cut to a bounded
// length: enough to show what leaked.
func VerboseErrors(body []byte) []Match {
	s := string(body)
	if len(s) > maxErrorScan {
		s = s[:maxErrorScan]
	}
	// JSON-escaped newlines and quotes, as an error serialised into a
	// JSON field has them.
	if strings.Contains(s, `\n`) || strings.Contains(s, `\"`) {
		s = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\"`, `"`, `\/`, "/").Replace(s)
	}
	var out []Match
	for _, sig := range errorSignatures {
		if !containsAny(s, sig.needles) {
			continue
		}
		loc := sig.re.FindStringIndex(s)
		if loc == nil {
			continue
		}
		out = append(out, Match{Kind: sig.kind, Value: lineAt(s, loc[0], loc[1]), Detail: sig.detail})
	}
	return out
}

// lineAt returns the text of the match widened to whole lines, bounded.
func lineAt(s string, start, end int) string {
	for start > 0 && s[start-1] != '\n' && end-start < maxValueLen {
		start--
	}
	for end < len(s) && s[end] != '\n' && end-start < maxValueLen {
		end++
	}
	return strings.TrimSpace(clip(s[start:end]))
}

func containsAny(s string, needles []string) bool {
	for _, n := range needles {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}
