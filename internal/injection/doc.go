// Package injection is Rampart's native injection detection library. It
// takes one untrusted string and where it came from (a Context: query,
// header, JSON key, XML directive…) and reports which attack classes it
// carries, how sure it is, and what revealed it. It does no I/O, never
// resolves names, and imports only the standard library and libinjection-go.
//
// # How a value is scanned
//
// [Engine.Scan] first normalises the value into at most five variants: the
// raw text; a decoded one (percent-decoding up to three rounds, overlong
// UTF-8, HTML entities and JavaScript escapes, repeated until nothing
// changes); the decoded one without NUL bytes; one without SQL comments
// (read by the SQL detector only); and, when the value is plausibly base64
// text, its decoding. Each variant also has a folded form (ASCII lower
// case, whitespace runs collapsed) that keyword matching reads. Every
// normaliser is one linear pass whose output is no longer than its input,
// so the work per value is bounded by a small constant times its length. A
// value with none of the bytes that start an encoding (%, +, &, \, NUL,
// ≥0x80) costs one pass over its bytes and yields the raw variant only.
//
// Then each enabled detector that applies to the context reads every
// variant. There is one detector per attack class, each in its own file
// with a comment saying what it catches, how, and what it takes care not to
// flag: sqli, xss, cmdi, traversal, ssrf, nosqli, ssti, ldapi, xpathi,
// jndi, crlf, xxe and proto_pollution (see [Rules] for their CWE and OWASP
// ids). A detector reports its strongest evidence as one [Match] per
// value.
//
// # Scores and sensitivity
//
// Evidence comes in three tiers: strong (10, conclusive on its own),
// likely (5, a clear attack shape benign input has only by accident) and
// weak (3, a hint). A value's total is the sum of its matches' scores; a
// request's total is the [Total] of all its values' matches, which counts
// each (rule, reason) pair once at its best so that one weak hint repeated
// across a list does not add up. The [Sensitivity] decides the threshold
// ([Engine.Threshold]) and which weak hints are emitted at all:
//
//   - Low: threshold 10; only strong evidence, or two likely signals.
//   - Medium (default): threshold 5; one likely signal. Meant to run on JSON
//     APIs with no exclusions: names with apostrophes, prose with "select"
//     and "or", code and markdown in free-text fields, public URLs, e-mail
//     addresses and phrases such as "drop table tennis results" pass.
//   - High: threshold 3; also emits weak hints (a lone "../", "select …
//     from" in prose, a template placeholder with attribute access).
//
// # Usage
//
//	engine, err := injection.NewEngine(injection.Config{
//		Sensitivity:   injection.Medium,
//		DisabledRules: []string{"xxe"}, // this API takes no XML
//	})
//	if err != nil { ... }
//	var matches []injection.Match
//	for _, v := range values { // from the request inspector
//		matches = engine.Scan(v.Text, v.Context, matches)
//	}
//	if injection.Total(matches) >= engine.Threshold() { ... block or report ... }
//
// Match.Snippet is redacted for logs (a window of at most 64 bytes around
// the evidence, non-printable bytes escaped); it is never the whole of a
// long value.
//
// # Measured accuracy
//
// corpus_test.go measures detection and false-positive rates on two public
// labelled data sets kept outside the module (HttpParams and libinjection's
// test data), treated as held out: detectors were written from first
// principles and from the cases in the table tests, and the only rows ever
// read while tuning are a documented dev split (fnv32(payload) % 5 == 0).
// The published figures are those of the remaining held-out rows.
package injection
