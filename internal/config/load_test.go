package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestErrorGolden checks that every broken file in testdata/errors yields
// exactly the errors in its .golden file (run with -update to rewrite).
func TestErrorGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			if err == nil {
				t.Fatalf("Load(%s) succeeded, want errors", f)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading golden file (run go test -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("errors differ\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

func TestLoadMinimalAppliesDefaults(t *testing.T) {
	cfg, err := Parse("min.yaml", []byte("apis:\n  - name: items\n    upstreams: [http://127.0.0.1:9000]\n"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"listen.http", cfg.Listen.HTTP, DefaultHTTPListen},
		{"admin.listen", cfg.Admin.Listen, DefaultAdminListen},
		{"read_header", cfg.Listen.Timeouts.ReadHeader, DefaultReadHeader},
		{"max_body", cfg.APIs[0].MaxBodyBytes, ByteSize(DefaultMaxBodyBytes)},
		{"breaker", *cfg.APIs[0].Breaker.Enabled, true},
		{"hygiene", *cfg.Hygiene.MaskStackTraces, true},
		{"queue", cfg.Limits.MaxQueue, DefaultMaxConcurrent},
		{"prefix", cfg.APIs[0].PathPrefix, "/"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestRouteInheritsBodyLimit(t *testing.T) {
	src := `
limits: {max_body_bytes: 2MiB}
apis:
  - name: items
    upstreams: [http://127.0.0.1:9000]
    max_body_bytes: 64KiB
    routes:
      - {name: login, path: /login}
      - {name: upload, path: /upload, max_body_bytes: -1}
`
	cfg, err := Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.APIs[0].Routes[0].MaxBodyBytes; got != 64<<10 {
		t.Errorf("login max body = %d, want 64KiB", got)
	}
	if got := cfg.APIs[0].Routes[1].MaxBodyBytes; got != -1 {
		t.Errorf("upload max body = %d, want -1", got)
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    ByteSize
		wantErr bool
	}{
		{"512", 512, false},
		{"64KiB", 64 << 10, false},
		{"1MiB", 1 << 20, false},
		{"1 MB", 1000000, false},
		{"-1", -1, false},
		{"1XB", 0, true},
		{"", 0, true},
		{"99999999999GiB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseByteSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseByteSize(%q) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestExampleConfigsAreValid(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no example configs found in examples/")
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestDurationField(t *testing.T) {
	cfg, err := Parse("d.yaml", []byte("limits: {queue_timeout: 250ms}\napis: [{name: a, upstreams: ['http://127.0.0.1:1']}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Limits.QueueTimeout != 250*time.Millisecond {
		t.Errorf("queue_timeout = %v", cfg.Limits.QueueTimeout)
	}
}

// FuzzParse: any input yields a config or errors, never a panic; every
// error names the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/errors/*.yaml")
	examples, _ := filepath.Glob("../../examples/*.yaml")
	for _, s := range append(seeds, examples...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("apis: &a [*a]"))
	f.Add([]byte("listen: {max_header_bytes: [1]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err == nil {
			if cfg == nil || len(cfg.APIs) == 0 {
				t.Fatal("nil error with an invalid config")
			}
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "fuzz.yaml") {
				t.Fatalf("error line without file name: %q", line)
			}
		}
	})
}

func TestRelativeFilePathsResolveAgainstConfigDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.b64"), []byte("c2VjcmV0"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `
authentication:
  jwt:
    issuers:
      - {issuer: x, audiences: [y], algorithms: [HS256], key_files: [{path: secret.b64}]}
apis: [{name: a, upstreams: ["http://127.0.0.1:1"]}]
`
	path := filepath.Join(dir, "rampart.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Authentication.JWT.Issuers[0].KeyFiles[0].Path, filepath.Join(dir, "secret.b64"); got != want {
		t.Errorf("key file path = %q, want %q", got, want)
	}
}
