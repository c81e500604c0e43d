// Package spec turns the target's OpenAPI description into the simulator's
// operations: every method × path with its parameters, an example value for
// each (from the spec's example, default or enum, else generated from the
// schema's type and format; ids default to 1), an example JSON body without
// the read-only properties (which are listed: the mass-assignment check
// tries exactly those), whether the operation declares security, and whether
// it looks administrative (a tag or path segment admin, internal,
// management; x-rampart-roles naming admin; or an --auth admin_endpoints
// pattern).
//
// [LoadFile] reads OpenAPI 3.0, 3.1 or Swagger 2.0 (converted), YAML or
// JSON, following $refs to other local files relative to it, never to URLs.
// [Discover] looks for the document on the target itself at the usual
// places ([WellKnownPaths]) through the scan, so that scope and budget hold;
// a document the target serves may not $ref anything outside itself, which
// keeps a hostile target from making the scanner read local files or fetch
// URLs. Either way a document that does not parse is an [*Error] naming the
// file (or URL) and the line.
//
// The package uses github.com/getkin/kin-openapi to resolve and model the
// document; its own code only walks the result. Generation is bounded
// (depth, properties, nodes) so a recursive or huge schema cannot blow up.
package spec
