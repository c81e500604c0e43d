package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem in a configuration file.
type FieldError struct {
	File  string
	Line  int    // 0 when the field is absent from the file (a default)
	Field string // e.g. "apis[0].upstreams[1]"; empty for file-level errors
	Msg   string
}

// Error formats as "file:line: field: message".
func (e FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	// One problem, one line: a multi-line YAML value quoted in a message
	// must not break the file:line: format tools parse.
	b.WriteString(strings.ReplaceAll(e.Msg, "\n", `\n`))
	return b.String()
}

// Errors is every problem found in one file, in file order.
type Errors []FieldError

// Error joins the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
