package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// rampartBin is the binary built by TestMain from the module in moduleDir.
var rampartBin, moduleDir string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// buildAndRun builds cmd/rampart from this module into a temporary
// directory, runs the tests and removes the directory.
func buildAndRun(m *testing.M) int {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go env GOMOD: %v\n", err)
		return 1
	}
	moduleDir = filepath.Dir(strings.TrimSpace(string(gomod)))
	dir, err := os.MkdirTemp("", "rampart-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	rampartBin = filepath.Join(dir, "rampart")
	build := exec.Command("go", "build", "-o", rampartBin, "./cmd/rampart")
	build.Dir = moduleDir
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building rampart in %s: %v\n%s", moduleDir, err, out.String())
		return 1
	}
	return m.Run()
}

// result is a finished command.
type result struct {
	code           int
	stdout, stderr string
}

// runRampart runs the binary to completion with args.
func runRampart(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), rampartBin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("rampart %s: %v", strings.Join(args, " "), err)
		}
		res.code = ee.ExitCode()
	}
	return res
}
