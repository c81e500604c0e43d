// Package config holds Rampart's configuration file format: typed structs,
// defaults set in one place, strict YAML decoding (unknown keys are errors)
// and validation whose errors name the file, line and field:
//
//	rampart.yaml:12: apis[0].upstreams[1]: invalid URL "ht!tp://x": scheme must be http or https
//
// Load reads and validates a file; packages below the composition root never
// see these structs: internal/gateway translates them into each package's
// own small Config.
package config
