// Package demo runs `rampart demo`: it starts the deliberately vulnerable
// sample API and the gateway in front of it with the example configuration,
// scans the API directly and through the gateway with the attack simulator
// (every check, the sample API's spec, alice, bob and admin as profiles),
// and prints a before/after table: each finding of the direct scan, whether
// the gateway blocked it, masked it or let it through, and which guard
// stopped it.
//
// Which guard stopped what comes from the gateway itself: the demo adds an
// Outcome sink (denials.go) that files every denial under the check named
// in the request's User-Agent ("rampart-attack/authz.bola"). A finding that
// disappears without a denial was masked by response hygiene, which never
// denies.
//
// A few hand-written attacks the simulator does not make (a non-canonical
// path, an oversized login body) form a second, scripted table (checks.go).
//
// What this version should do is data (expect.go): the flaws the direct
// scan must find, and the findings the gateway does not stop yet, with the
// planned defence. --once fails when a result differs, which makes the demo
// a smoke test of the whole binary.
package demo
