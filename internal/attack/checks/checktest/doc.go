// Package checktest helps the simulator checks' tests: it builds a Scan
// against a test server, logs a user in to get a bearer token, reads a
// spec into operations, and asserts that a finding carries what every
// finding must (evidence, a curl command, a remediation, OWASP and CWE ids).
//
// It is imported by tests only; it imports no target (the tests start the
// sample API themselves), so the simulator's dependency rule holds.
package checktest
