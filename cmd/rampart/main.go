// Command rampart is the API security gateway, its attack simulator and its
// operations tools in one binary. See README.md and docs/.
//
// main is thin: it builds the command tree, runs it and turns its error into
// the exit code. It is the only place that calls os.Exit.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rampartsec/rampart/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		report(os.Stderr, err)
		os.Exit(exitCode(err))
	}
}

// report prints a command's error. Configuration errors are printed as they
// are, one file:line: field: message a line, so that `rampart serve` and
// `rampart validate` print a broken file the same way and editors and CI
// can jump to the line; other errors get the program's name in front.
func report(w io.Writer, err error) {
	var exit exitError
	var cfgErrs config.Errors
	switch {
	case errors.As(err, &exit): // already reported
	case errors.As(err, &cfgErrs):
		fmt.Fprintln(w, cfgErrs)
	default:
		fmt.Fprintln(w, "rampart:", err)
	}
}

// exitError carries an exit code for failures that already printed their
// own report (such as `rampart validate`).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	return 1
}
