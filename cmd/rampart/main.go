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
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		var exit exitError
		if !errors.As(err, &exit) {
			fmt.Fprintln(os.Stderr, "rampart:", err)
		}
		os.Exit(exitCode(err))
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
