package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteAll(t *testing.T) {
	reportSchema, sarifSchema := compiledSchemas(t)
	dir := filepath.Join(t.TempDir(), "scans", "latest")
	r := fixture(t)
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("report directory mode %o, want 700", perm)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%d entries in the directory, want the 3 reports and no leftovers: %v", len(entries), entries)
	}
	for _, name := range []string{JSONFile, SARIFFile, HTMLFile} {
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s mode %o, want 600", name, perm)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case JSONFile:
			validateJSON(t, reportSchema, b)
		case SARIFFile:
			validateJSON(t, sarifSchema, b)
		case HTMLFile:
			if !strings.HasPrefix(string(b), "<!DOCTYPE html>") || !strings.HasSuffix(string(b), "</html>\n") {
				t.Errorf("report.html is not a whole page")
			}
		}
	}
}

// TestWriteAllReplacesRatherThanFollows: a symlink planted at a report's
// name is replaced; the file it pointed to is untouched. An older report
// with looser permissions is replaced by a 0600 one.
func TestWriteAllReplacesRatherThanFollows(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, HTMLFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, JSONFile), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(dir, fixture(t)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the symlink's target was overwritten: %q", b)
	}
	info, err := os.Lstat(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode()&os.ModeSymlink != 0 || info.Mode().Perm() != 0o600 {
		t.Errorf("report.html mode %v, want a regular 0600 file", info.Mode())
	}
	b, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Errorf("old report.json not replaced: %q", b)
	}
	if info, _ := os.Stat(filepath.Join(dir, JSONFile)); info.Mode().Perm() != 0o600 {
		t.Errorf("replaced report.json mode %o, want 600", info.Mode().Perm())
	}
}

func TestWriteAllDirectoryError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteAll(filepath.Join(file, "sub"), fixture(t))
	if err == nil || !strings.Contains(err.Error(), "creating report directory") {
		t.Errorf("WriteAll under a file = %v, want a directory error", err)
	}
}
