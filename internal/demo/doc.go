// Package demo runs `rampart demo`: it starts the deliberately vulnerable
// sample API and the gateway in front of it, attacks both with the same
// requests and prints a before/after table of what got through.
//
// The attacks are data (checks.go): a request, how to tell from the response
// that the attack worked, and whether this version of the gateway is
// expected to stop it. An attack the gateway does not stop yet is shown as
// such; --once fails when a result differs from the expectation, which makes
// the demo a smoke test of the whole binary.
package demo
