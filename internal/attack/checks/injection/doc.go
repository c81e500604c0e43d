// Package injection holds the injection stage of the attack simulator: SQL
// and NoSQL injection, OS command injection, path traversal, server-side
// template injection, server-side request forgery and reflected XSS.
//
// Payloads go only into inputs the operation has: the spec's path and query
// parameters and top-level JSON body fields, and the query parameters
// discovery saw. Each check proves a finding with two independent probes
// (two payloads, two markers, two canary tokens) and a payload-free control
// request that does not show the effect, and keeps all three exchanges as
// evidence. What would only be a guess is not reported.
//
// Under --safe only GET and HEAD operations are injected; without it POST
// operations are injected too (each probe may create an object or trigger
// an action). PUT, PATCH and DELETE are never injected: a payload stored
// over an existing resource, even the caller's own profile, is damage.
// Every operation × check pair gets a coverage row saying what was tested or
// why not.
package injection
