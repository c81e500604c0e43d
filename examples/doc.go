// Package examples embeds the example configuration files shipped with
// Rampart, so that `rampart demo` works from any directory and the tests
// can check that every example stays valid.
package examples

import "embed"

// Files holds every example in this directory: the *.yaml configurations
// and demo-jwt-secret.b64, the HS256 key the demo's sample API signs tokens
// with and its gateway verifies them with. It protects nothing but the
// loopback demo; never reuse it.
//
//go:embed *.yaml demo-jwt-secret.b64 specs/*.yaml
var Files embed.FS

// DemoJWTSecret is the file name of the demo's token key.
const DemoJWTSecret = "demo-jwt-secret.b64"

// SampleAPISpec is the sample API's OpenAPI document, which the demo's
// schema guard validates requests against (a copy of the one the sample
// API serves; a test keeps them equal).
const SampleAPISpec = "specs/sampleapi.yaml"

// Demo is the configuration `rampart demo` starts the gateway with; the demo
// replaces the upstream with the sample API it starts.
const Demo = "demo.yaml"
