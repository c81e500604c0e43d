package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// File names WriteAll writes.
const (
	JSONFile  = "report.json"
	SARIFFile = "report.sarif"
	HTMLFile  = "report.html"
)

// WriteAll writes report.json, report.sarif and report.html into dir,
// creating dir (mode 0700) if needed. The files are mode 0600: evidence
// can hold personal data or secrets the target leaked, so only the owner
// may read them.
//
// Each file is written to a temporary file in dir and renamed into place,
// so a reader never sees half a report, an earlier report is replaced
// whole, and a symlink planted at a report's name is replaced rather than
// followed.
func WriteAll(dir string, r *core.Report) error {
	if err := validate(r); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating report directory: %w", err)
	}
	for _, out := range []struct {
		name  string
		write func(io.Writer, *core.Report) error
	}{
		{JSONFile, WriteJSON},
		{SARIFFile, WriteSARIF},
		{HTMLFile, WriteHTML},
	} {
		if err := writeFile(filepath.Join(dir, out.name), r, out.write); err != nil {
			return fmt.Errorf("writing %s: %w", out.name, err)
		}
	}
	return nil
}

func writeFile(path string, r *core.Report, write func(io.Writer, *core.Report) error) (err error) {
	// os.CreateTemp creates the file with mode 0600.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	if err = write(bw, r); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
