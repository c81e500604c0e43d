package sampleapi

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var spec []byte

// Spec returns the OpenAPI 3.1 document of the sample API's legitimate
// operations: the undocumented debug endpoint is absent and role and is_admin
// are read-only, which is what lets the gateway's schema guard block the
// deliberate flaws. The API does not serve it (recon should find nothing);
// callers get their own copy.
func Spec() []byte { return bytes.Clone(spec) }
