//go:build unix

package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir/.lock so a second writer (a second
// gateway pointed at the same directory) fails at Open instead of forking
// the chain. The kernel drops the lock when the process dies, even by
// SIGKILL, so a crash never leaves a stale lock.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, segmentMode)
	if err != nil {
		return nil, fmt.Errorf("audit: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("audit: %s is in use by another writer", dir)
		}
		return nil, fmt.Errorf("audit: locking %s: %w", dir, err)
	}
	return f, nil
}
