package examples

import (
	"bytes"
	"testing"

	"github.com/rampartsec/rampart/internal/sampleapi"
)

// The demo's gateway validates requests against a copy of the sample API's
// spec (a configuration names a file); the copy must not drift from the
// spec the sample API itself serves.
func TestSampleAPISpecCopyIsCurrent(t *testing.T) {
	copyOf, err := Files.ReadFile(SampleAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(copyOf, sampleapi.Spec()) {
		t.Fatalf("%s differs from internal/sampleapi/openapi.yaml: cp internal/sampleapi/openapi.yaml examples/%s", SampleAPISpec, SampleAPISpec)
	}
}
