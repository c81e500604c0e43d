// Package resource holds the resource-consumption stage of the attack
// simulator (OWASP API4:2023): whether the target lets one client make it
// read, parse or compute without bound.
//
//   - resource.body_size sends a JSON write operation its own valid example
//     body padded with 10 MiB of whitespace: a 2xx (twice) instead of 413
//     means no body size limit (CWE-770).
//   - resource.json_depth adds a 10,000-deep array (and then object) to the
//     example body: a 2xx means no depth limit (CWE-770); a 5xx or a dropped
//     connection while the plain body still works means the parser falls
//     over (CWE-400).
//   - resource.page_size multiplies page-size and count parameters (limit,
//     size, per_page, n, …) by 10, 100, 1000, 10000 and measures the answer
//     time against the usual value measured three times: an answer ten times
//     slower and at least 100 ms later, twice, means the client chooses the
//     cost (CWE-770).
//   - resource.concurrency ramps concurrent requests (1, 4, 16) on the
//     operation page_size found expensive, only on a loopback target or with
//     --i-own-this-target: no 429/503 while the median answer time grows
//     fourfold, twice, and recovers afterwards, means nothing sheds load
//     (CWE-400).
//
// Bodies are sent only to POST operations: a body the server accepts
// creates an object the scan then owns (tracked for --safe), while PUT and
// PATCH would overwrite something that exists.
package resource
