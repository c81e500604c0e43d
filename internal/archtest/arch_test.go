package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rampartsec/rampart"

type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
	Deps       []string
	Standard   bool
}

// listPackages runs `go list -json` over the module.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }

func isInternal(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// TestEveryPackageHasDoc: a package doc says what the package is for.
func TestEveryPackageHasDoc(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// allowedImports lists, per package (prefix match on the path relative to
// the module), the module packages it may import. Anything not listed may
// import no module package. The rules keep the spine small and the
// composition explicit: only the composition root knows concrete parts.
var allowedImports = map[string][]string{
	"cmd/rampart":               {"internal/gateway", "internal/config", "internal/demo", "internal/sampleapi", "internal/attack", "internal/audit", "internal/sign", "internal/guard/authn"},
	"internal/demo":             {"internal/gateway", "internal/config", "internal/sampleapi", "internal/attack/", "internal/pipeline", "examples"},
	"internal/gateway":          {"internal/"},
	"internal/config":           {"internal/pipeline"},
	"internal/guard/":           {"internal/pipeline", "internal/store", "internal/sign", "internal/dedup", "internal/jsonptr", "internal/inspect", "internal/injection", "internal/openapi"},
	"internal/inspect":          {},
	"internal/injection":        {},
	"internal/openapi":          {"internal/inspect"},
	"internal/proxy":            {"internal/pipeline"},
	"internal/server":           {},
	"internal/metrics":          {"internal/pipeline"},
	"internal/event":            {"internal/pipeline"},
	"internal/admin":            {"internal/pipeline", "internal/store"},
	"internal/audit":            {"internal/pipeline"},
	"internal/detect":           {"internal/pipeline", "internal/store"},
	"internal/pipeline":         {},
	"internal/store":            {},
	"internal/store/redisstore": {"internal/store"},
	"internal/redistest":        {}, // test support: see TestTestSupportOnlyInTests
	"internal/sign":             {},
	"internal/dedup":            {},
	"internal/jsonptr":          {},
	"internal/attack":           {"internal/attack/"},
	"internal/archtest":         {},
	"internal/sampleapi":        {},
	"examples":                  {},
	"bench/":                    {"internal/gateway", "internal/config", "internal/audit", "internal/guard/authn"},
	"bench/detect":              {"internal/injection/"},
	"test/e2e":                  {"internal/sampleapi"},

	"internal/pipeline/pipelinetest": {"internal/pipeline"}, // test support: see TestTestSupportOnlyInTests
}

func rulesFor(p string) ([]string, bool) {
	best, found := "", false
	for prefix := range allowedImports {
		if (p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, prefix)) && len(prefix) > len(best) {
			best, found = prefix, true
		}
	}
	return allowedImports[best], found
}

func TestDependencyRules(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		allowed, ok := rulesFor(from)
		if !ok {
			t.Errorf("%s has no dependency rule: add it to allowedImports and docs/architecture.md", from)
			continue
		}
		for _, imp := range p.Imports {
			if !isInternal(imp) {
				continue
			}
			to := rel(imp)
			if strings.HasPrefix(to, "cmd/") {
				t.Errorf("%s imports %s: nothing imports cmd/", from, to)
				continue
			}
			permitted := false
			for _, a := range allowed {
				if to == strings.TrimSuffix(a, "/") || (strings.HasSuffix(a, "/") && strings.HasPrefix(to, a)) {
					permitted = true
				}
			}
			if !permitted {
				t.Errorf("%s must not import %s", from, to)
			}
		}
	}
}

// TestGuardsDoNotImportEachOther: guards compose only in the gateway.
func TestGuardsDoNotImportEachOther(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		if !strings.HasPrefix(from, "internal/guard/") {
			continue
		}
		for _, imp := range p.Imports {
			if to := rel(imp); isInternal(imp) && strings.HasPrefix(to, "internal/guard/") {
				t.Errorf("guard %s imports guard %s", from, to)
			}
		}
	}
}

// TestSpineIsStdlibOnly: every package may depend on the spine, so the
// spine depends on nothing but the standard library (and x/time).
func TestSpineIsStdlibOnly(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		if from != "internal/pipeline" && from != "internal/store" {
			continue
		}
		for _, d := range p.Deps {
			first, _, _ := strings.Cut(d, "/")
			if strings.Contains(first, ".") && !strings.HasPrefix(d, "golang.org/x/time") && !strings.HasPrefix(d, "vendor/") {
				t.Errorf("%s depends on %s", from, d)
			}
		}
	}
}

// testSupport are the packages only _test.go files may import: they import
// "testing" (and redistest starts processes), nothing a binary should
// carry.
var testSupport = []string{"internal/redistest", "internal/pipeline/pipelinetest"}

// TestTestSupportOnlyInTests: no package's own (non-test) files import a
// test-support package. `go list` reports test files' imports apart
// (TestImports, XTestImports), so Imports holds the non-test ones only.
func TestTestSupportOnlyInTests(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			for _, ts := range testSupport {
				if imp == module+"/"+ts {
					t.Errorf("%s imports %s outside its _test.go files: it is test support", rel(p.ImportPath), ts)
				}
			}
		}
	}
}

// redisClientImporters may import the Redis client in their non-test
// files: redisstore, which implements the store on it, and redistest,
// which tests use to start and clean up Redis (only tests import it, so
// no binary gains a second Redis user). Test files of other packages may
// import the client too, e.g. to corrupt the store's keys on purpose.
var redisClientImporters = []string{"internal/store/redisstore", "internal/redistest"}

// TestOnlyRedisstoreImportsRedisClient: the rest of the gateway talks to
// Redis through the store interfaces only.
func TestOnlyRedisstoreImportsRedisClient(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		if slices.Contains(redisClientImporters, from) {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/redis/") {
				t.Errorf("%s imports %s: only %v may use the Redis client", from, imp, redisClientImporters)
			}
		}
	}
}
