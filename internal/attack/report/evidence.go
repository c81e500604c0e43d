package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// evidenceSummary is one line about an exchange: "GET http://…/items/2 as
// user2 → 200, 312 bytes, 4.1 ms".
func evidenceSummary(ex core.Exchange) string {
	var b strings.Builder
	if ex.Note != "" {
		b.WriteString(ex.Note + ": ")
	}
	b.WriteString(ex.Request.Method + " " + ex.Request.URL)
	if ex.Request.Profile != "" {
		b.WriteString(" as " + ex.Request.Profile)
	} else {
		b.WriteString(" anonymously")
	}
	b.WriteString(" → ")
	if ex.Response == nil {
		b.WriteString("no response")
		if ex.Error != "" {
			b.WriteString(" (" + ex.Error + ")")
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%d, %s, %s ms", ex.Response.Status, bodySize(ex.Response), strconv.FormatFloat(ex.Response.DurationMS, 'f', -1, 64))
	return b.String()
}

func bodySize(r *core.HTTPResponse) string {
	if r.Truncated {
		return fmt.Sprintf("%d bytes kept (truncated)", len(r.Body))
	}
	return fmt.Sprintf("%d bytes", len(r.Body))
}
