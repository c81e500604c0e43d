// Package examples embeds the example configuration files shipped with
// Rampart, so that `rampart demo` works from any directory and the tests
// can check that every example stays valid.
package examples

import "embed"

// Files holds every *.yaml example in this directory.
//
//go:embed *.yaml
var Files embed.FS

// Demo is the configuration `rampart demo` starts the gateway with; the demo
// replaces the upstream with the sample API it starts.
const Demo = "demo.yaml"
