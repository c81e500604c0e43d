// Package ratelimit holds the simulator's throttling checks: does anything
// slow an attacker down?
//
//   - ratelimit.login sends a bounded run of failed logins (default 30) and
//     stops at the first sign of a defence: 429, 423, a Retry-After header,
//     a CAPTCHA, or answers slowing down (progressive delay). None within the
//     bound is "no brute-force protection on login" (API2:2023, CWE-307).
//   - ratelimit.burst sends a bounded burst (default 60) of cheap reads and
//     records whether a 429 (or a 503 with Retry-After) came, after how many
//     requests, and which rate-limit headers the API sends. None and no
//     advertised limit is "no rate limiting" (API4:2023, CWE-770).
//
// Both send with core.Request.NoPacing: the scan's adaptive back-off would
// otherwise wait out the very limit they look for (the operator's --rate
// still applies).
//
// # Whose account
//
// The login check never uses the scan's own profiles: locking them would
// turn every later stage into "403 everywhere". It logs in as the account
// named by the Scan value "ratelimit.login_username" (a throwaway account
// the operator owns and accepts to see locked), or else as a random
// username that cannot exist. With a random username the result speaks for
// per-client throttling only (credential stuffing and password spraying
// across accounts): an API that locks real accounts but counts nothing for
// unknown ones still gets the finding, at medium rather than high, and the
// description says so. Either way the check stops at the first refusal, so
// an API that locks out by client IP is provoked once; the scan's auth
// canaries mark later results invalid if that lock-out reaches the profiles.
package ratelimit
