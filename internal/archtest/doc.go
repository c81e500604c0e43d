// Package archtest holds repository-wide tests: the dependency rules of
// docs/architecture.md, checked over `go list`, and the rule that every
// package has a doc comment. It has no code of its own.
package archtest
