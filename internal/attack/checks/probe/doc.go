// Package probe holds the small pieces every simulator check needs and no
// check should write twice:
//
//   - [Curl] turns a recorded request into a curl command that reproduces
//     it, with credentials as shell variables ($RAMPART_TOKEN_USER1), never
//     their values.
//   - [Calibrator] learns what "not found" looks like on the target by
//     requesting random paths first, so that a server answering 200 to every
//     path (a single-page app, a catch-all route, a WAF block page) is not
//     mistaken for one that serves /.env or /api/admin (soft-404 detection).
//   - [Fingerprint] and [SameContent] compare bodies while ignoring what
//     changes between two answers of the same page: echoed paths, numbers,
//     request ids, timestamps.
//   - [ConcretePath] fills an operation's path template with example values.
//   - [SpecOperations] reads the operations of an OpenAPI or Swagger
//     document a check found on the target.
//   - [Mask] hides all but the last four characters of a value in evidence.
//
// The package speaks to the target only through [core.Scan.Do]; it has no
// state of its own beyond what a caller holds.
package probe
