// Package e2e runs the real rampart binary the way an operator does: it
// builds cmd/rampart once (TestMain), then drives `validate`, `version`,
// `demo --once` and `serve` as child processes on loopback, with signals
// (SIGHUP reload, SIGTERM drain) and exit codes checked as a user would see
// them.
//
// Run it with:
//
//	go test ./test/e2e/
//
// Everything listens on 127.0.0.1 only. Upstreams are httptest servers in
// the test process.
package e2e
