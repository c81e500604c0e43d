package injection

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// rulesFS serves the embedded OWASP CRS to Coraza's "Include @owasp_crs/…"
// and the operator's own rule files (Config.CRS.RuleFiles, with whatever
// they include or load with @pmFromFile) from the disk. Coraza's parser
// takes one root file system; without the merge either the CRS or the
// operator's files could not be read.
type rulesFS struct{}

// embedded reports whether name belongs to the embedded CRS: coreruleset
// names its files "@owasp_crs/…" and "@crs-setup.conf.example", and
// Coraza prefixes includes with the directory of the including file.
func embedded(name string) bool {
	return strings.Contains(name, "@owasp_crs/") || strings.Contains(name, "@crs-setup") ||
		strings.Contains(name, "@coraza.conf")
}

// crsName strips what Coraza prepended before the "@" of an embedded name.
func crsName(name string) string {
	if i := strings.Index(name, "@"); i > 0 {
		return name[i:]
	}
	return name
}

func (rulesFS) Open(name string) (fs.File, error) {
	if embedded(name) {
		return coreruleset.FS.Open(crsName(name))
	}
	return os.Open(name)
}

func (rulesFS) ReadFile(name string) ([]byte, error) {
	if embedded(name) {
		return fs.ReadFile(coreruleset.FS, crsName(name))
	}
	return os.ReadFile(name)
}

func (rulesFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if embedded(name) {
		return fs.ReadDir(coreruleset.FS, crsName(name))
	}
	return os.ReadDir(name)
}

func (rulesFS) Glob(pattern string) ([]string, error) {
	if embedded(pattern) {
		return fs.Glob(coreruleset.FS, crsName(pattern))
	}
	return filepath.Glob(pattern)
}
