package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	res := runRampart(t, t.TempDir(), "version")
	if res.code != 0 || !regexp.MustCompile(`^rampart \S+\n$`).MatchString(res.stdout) {
		t.Errorf("rampart version: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"good.yaml": `listen:
  http: "127.0.0.1:8080"
apis:
  - name: orders
    path_prefix: /orders
    upstreams: ["http://127.0.0.1:9000"]
`,
		// Every problem is reported at once, each at its own line.
		"bad.yaml": `listen:
  http: "127.0.0.1:8080"
apis:
  - name: Bad Name
    upstreams: ["ftp://upstream.internal"]
    timeouts:
      dial: soon
`,
		"unknown.yaml": `listen:
  http: "127.0.0.1:8080"
  htps: ":8443"
apis:
  - name: orders
    upstreams: ["http://127.0.0.1:9000"]
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		file      string
		wantCode  int
		wantOut   string
		wantLines []string // stderr, in order
	}{
		{name: "valid", file: "good.yaml", wantOut: "good.yaml: configuration is valid\n"},
		{name: "invalid values", file: "bad.yaml", wantCode: 1, wantLines: []string{
			`bad.yaml:4: apis[0].name: invalid name "Bad Name"`,
			`bad.yaml:5: apis[0].upstreams[0]: invalid URL "ftp://upstream.internal": scheme must be http or https`,
			`bad.yaml:7: apis[0].timeouts.dial: want a duration such as 5s or 100ms`,
		}},
		{name: "unknown field", file: "unknown.yaml", wantCode: 1, wantLines: []string{
			`unknown.yaml:3: listen.htps: unknown field`,
		}},
		{name: "missing file", file: "absent.yaml", wantCode: 1, wantLines: []string{
			`absent.yaml: cannot read configuration`,
		}},
	}
	lineRe := regexp.MustCompile(`^[^:]+\.yaml(:\d+)?: `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runRampart(t, dir, "validate", "-c", tt.file)
			if res.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", res.code, tt.wantCode, res.stdout, res.stderr)
			}
			if tt.wantOut != "" && res.stdout != tt.wantOut {
				t.Errorf("stdout %q, want %q", res.stdout, tt.wantOut)
			}
			got := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
			if len(tt.wantLines) == 0 {
				if res.stderr != "" {
					t.Errorf("stderr %q, want none", res.stderr)
				}
				return
			}
			if len(got) != len(tt.wantLines) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(got), len(tt.wantLines), res.stderr)
			}
			for i, want := range tt.wantLines {
				if !strings.HasPrefix(got[i], want) || !lineRe.MatchString(got[i]) {
					t.Errorf("stderr line %d = %q, want prefix %q", i+1, got[i], want)
				}
			}
		})
	}
}

// TestValidateShippedExamples keeps every example configuration valid.
func TestValidateShippedExamples(t *testing.T) {
	examples, err := filepath.Glob(filepath.Join(moduleDir, "examples", "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples found (%v)", err)
	}
	for _, ex := range examples {
		if res := runRampart(t, t.TempDir(), "validate", "-c", ex); res.code != 0 && !environmentOnly(res.stderr) {
			t.Errorf("%s: exit %d\n%s", filepath.Base(ex), res.code, res.stderr)
		}
	}
}

func TestDemoOnce(t *testing.T) {
	res := runRampart(t, t.TempDir(), "demo", "--once")
	if res.code != 0 {
		t.Fatalf("rampart demo --once: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"ATTACK", "DIRECT", "THROUGH RAMPART", "EXPOSED", "blocked", "demo self-check passed"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, res.stdout)
		}
	}
	if rows := strings.Count(res.stdout, "\n"); rows < 4 {
		t.Errorf("demo table has %d lines:\n%s", rows, res.stdout)
	}
}
