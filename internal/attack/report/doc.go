// Package report renders the attack simulator's [core.Report] for the
// people and tools that read it:
//
//   - [WriteJSON]: report.json, the complete record, described by the JSON
//     Schema in docs/attack-report-schema.json (a test keeps the two in step).
//   - [WriteSARIF]: report.sarif, SARIF 2.1.0 for GitHub code scanning and
//     other SARIF consumers.
//   - [WriteHTML]: report.html, one self-contained page for a person.
//   - [Summary]: the table printed at the end of a scan.
//   - [WriteAll]: the three files into one directory, readable by the owner
//     only (evidence may hold personal data the target leaked).
//
// Everything in a report that came from the target (titles built from
// response data, bodies, headers, endpoint paths from a spec) is untrusted:
// the HTML page escapes every value and forbids scripts by its
// Content-Security-Policy, and the terminal summary replaces control
// characters so that a hostile response cannot drive the terminal
// (CWE-150). The renderers only read the report; none of them sends a
// request.
//
// Findings are not files, so the SARIF locations follow what GitHub code
// scanning accepts for results on URLs: see [WriteSARIF].
package report
