// Package authn holds the simulator's authentication checks (OWASP
// API2:2023, broken authentication): what an attacker tries once they know
// how the API authenticates.
//
//   - authn.unauthenticated: operations the spec secures that answer 2xx
//     with the same content without credentials (CWE-306).
//   - authn.jwt_none, authn.jwt_confusion, authn.jwt_signature: forged
//     tokens: "alg": "none" in every case variant, HS256 signed with the
//     issuer's public key, the signature stripped, claims changed under the
//     original signature (CWE-347).
//   - authn.jwt_expired: an expired token replayed, and tokens without
//     expiry (CWE-613).
//   - authn.jwt_weak_secret: the HMAC key cracked offline from an embedded
//     list of common secrets, then proven by a forged token (CWE-1391).
//   - authn.api_key_in_url: an API key accepted in the query string, where
//     logs, proxies and browser history keep it (CWE-598).
//
// Every finding proves acceptance: the forged credential gets the same 2xx
// answer as the real one, and a control request with garbage in the same
// place is refused (401 or 403). The reference endpoint and both answers
// are chosen once per scan and shared by the JWT checks.
//
// Forged tokens are written byte by byte here (that is the attack);
// golang-jwt signs only the HMAC tokens whose key the checks know. Tokens
// never appear in evidence: core.Redact replaces them, and the curl
// commands read them from $RAMPART_SECRET, with the shell steps to make it
// from the profile's own token where that needs no secret.
package authn
