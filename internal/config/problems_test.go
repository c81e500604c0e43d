package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSyntaxErrorsCarryALine covers the YAML errors that yaml.v3 prints
// without a line: the loader must still say where the problem is.
func TestSyntaxErrorsCarryALine(t *testing.T) {
	utf16le := func(s string) string {
		b := []byte{0xFF, 0xFE}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return string(b)
	}
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"control character", "apis:\n  - name: a\n    path_prefix: \"/\x01\"\n", 3, "control characters are not allowed"},
		{"control character after CRLF", "apis:\r\n  - name: a\r\n    path_prefix: \"/\x07\"\r\n", 3, "control characters are not allowed"},
		{"invalid UTF-8", "apis:\n  - name: \xff\n", 2, "invalid leading UTF-8 octet"},
		{"truncated UTF-8", "apis:\n  - name: a\n\n  - name: \xe2\x82", 4, "incomplete UTF-8 octet sequence"},
		{"UTF-16 with BOM", utf16le("apis:\n  - name: \x02\n"), 2, "control characters are not allowed"},
		{"unknown anchor", "# uses *up\napis:\n  - name: a\n    upstreams: *up\n", 4, "unknown anchor 'up' referenced"},
		{"unknown anchor in a flow list", "apis: [{name: a, upstreams: [*up]}]\n", 1, "unknown anchor 'up' referenced"},
		{"error on the first line", ": x\napis: []\n", 1, "did not find expected key"},
		{"line yaml.v3 prints", "version: 1\n\tapis: []\n", 2, "found a tab character that violates indentation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("Parse succeeded, want a syntax error")
			}
			want := fmt.Sprintf("t.yaml:%d: invalid YAML: %s", tt.line, tt.msg)
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error = %q, want it to start with %q", err, want)
			}
		})
	}
}

// TestDecodeErrorsAreLocated: an error other than a type error aborts
// yaml.v3's decode; it must be reported at its field, with the problems of
// the rest of the file.
func TestDecodeErrorsAreLocated(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{
			name: "bad binary in a map of structs",
			src: `authentication:
  mtls:
    subjects:
      cn-a: {tenant: a}
      cn-b:
        tenant: !!binary "%%%"
        scopes: [read]
apis:
  - name: a
    upstreams: ["ftp://127.0.0.1:1"]
`,
			want: []string{
				"t.yaml:6: authentication.mtls.subjects[cn-b].tenant: cannot decode: !!binary value contains invalid base64 data",
				`t.yaml:10: apis[0].upstreams[0]: invalid URL "ftp://127.0.0.1:1": scheme must be http or https`,
			},
		},
		{
			name: "type errors beside the failed field are kept",
			src: `limits:
  max_concurrent: lots
apis:
  - name: a
    upstreams: [!!binary "%%%"]
    max_body_bytes: 1XB
`,
			want: []string{
				`t.yaml:2: limits.max_concurrent: want an integer, got str "lots"`,
				"t.yaml:5: apis[0].upstreams[0]: cannot decode: !!binary value contains invalid base64 data",
				`t.yaml:6: apis[0].max_body_bytes: invalid size "1XB" (want e.g. 65536, 64KiB, 1MiB)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("Parse succeeded, want errors")
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestRejectedKeysDoNotHideTheRest: unknown and duplicate keys are dropped
// after being reported, so the mapping around them is still decoded and
// validated, and a misspelt required field is not reported twice.
func TestRejectedKeysDoNotHideTheRest(t *testing.T) {
	src := `apis:
  - name: a
    name: b
    upstreams: ["ftp://127.0.0.1:1"]
    <<: {path_prefix: /x}
  - name: c
    path_prefix: /c
    upstream: http://127.0.0.1:2
`
	_, err := Parse("t.yaml", []byte(src))
	want := strings.Join([]string{
		"t.yaml:3: apis[0].name: duplicate key",
		`t.yaml:4: apis[0].upstreams[0]: invalid URL "ftp://127.0.0.1:1": scheme must be http or https`,
		"t.yaml:5: apis[0].<<: unknown field",
		`t.yaml:8: apis[1].upstream: unknown field (did you mean "upstreams"?)`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

// TestAnchorProblemsReportedOnce: a problem inside an anchor is reported
// once, not at every alias to it.
func TestAnchorProblemsReportedOnce(t *testing.T) {
	src := `apis:
  - name: a
    upstreams: ["http://127.0.0.1:1"]
    routes:
      - &r {name: r, path: /r, pth: /x}
      - *r
      - *r
`
	_, err := Parse("t.yaml", []byte(src))
	if err == nil {
		t.Fatal("Parse succeeded, want errors")
	}
	if n := strings.Count(err.Error(), "unknown field"); n != 1 {
		t.Errorf("unknown field reported %d times, want once:\n%v", n, err)
	}
}

// TestAliasFanOutIsBounded: a small file whose aliases expand to millions
// of nodes is refused quickly, with a line, instead of being walked in full.
func TestAliasFanOutIsBounded(t *testing.T) {
	const n = 300
	var b strings.Builder
	b.WriteString("apis:\n  - &api\n    name: a\n    upstreams: [\"http://127.0.0.1:1\"]\n    routes:\n")
	b.WriteString("      - &route {name: r, path: /r, methods: &m [GET, POST]}\n")
	b.WriteString("      - &routes {name: s, path: /s, methods: [" + strings.Repeat("*m, ", n) + "*m]}\n")
	b.WriteString("  - &api2 {name: b, upstreams: [\"http://127.0.0.1:1\"], routes: [" + strings.Repeat("*routes, ", n) + "*routes]}\n")
	b.WriteString(strings.Repeat("  - *api2\n", n))
	start := time.Now()
	_, err := Parse("t.yaml", []byte(b.String()))
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "excessive aliasing") {
		t.Fatalf("want an excessive aliasing error, got %v", err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "t.yaml:") || strings.HasPrefix(line, "t.yaml: ") {
			t.Errorf("error without a line: %q", line)
		}
	}
	if elapsed > 5*time.Second {
		t.Errorf("Parse took %v; alias expansion is not bounded", elapsed)
	}
}
