//go:build !unix

package audit

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir creates dir/.lock; without flock there is no protection against a
// second writer on this platform.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, segmentMode)
	if err != nil {
		return nil, fmt.Errorf("audit: opening lock file: %w", err)
	}
	return f, nil
}
