// Package exposure finds what an API gives away in its answers: card
// numbers, CVVs, national ids, other users' email addresses, tokens, cloud
// keys, private keys, password hashes and secret-looking fields (OWASP
// API3:2023, excessive data exposure); stack traces and database errors
// (CWE-209); missing security headers; and CORS that lets any web origin
// read credentialed answers (CWE-942).
//
// The analysers ([SensitiveData], [Emails], [VerboseErrors],
// [MissingHeaders], [PermissiveCORS]) are pure functions over one response's
// status, headers and body, so they are fuzzed and reused (recon uses
// VerboseErrors on its error probes). The checks crawl the target's GET
// operations as each auth profile and feed the answers to them.
//
// Evidence never carries a matched value in full: every value is masked
// down to its last characters (see probe.Mask).
package exposure
