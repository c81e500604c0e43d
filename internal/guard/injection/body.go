package injection

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Denial.Rule values of the body-reading refusals.
const (
	RuleBodyTooLarge   = "body_too_large"
	RuleBodyUnreadable = "body_unreadable"
)

// readBody reads the request body once for every guard (pipeline.ReadBody)
// and applies the oversize policy. truncated says the body was longer than
// MaxBodyBytes and only its prefix is returned (scan-prefix).
func (g *Guard) readBody(r *http.Request) (body []byte, truncated bool, d *pipeline.Denial) {
	body, err := pipeline.ReadBody(r, g.maxBody)
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return body, false, nil
	case errors.Is(err, pipeline.ErrBodyTooLarge):
		if g.scanPrefix {
			return body[:g.maxBody], true, nil
		}
		return nil, false, tooLarge(r, fmt.Errorf("body exceeds the injection guard's limit of %d bytes", g.maxBody))
	case errors.As(err, &mbe):
		// The bodylimit guard's cap on a body of unknown length: answer as it
		// would have, had the length been declared.
		return nil, false, tooLarge(r, err)
	}
	return nil, false, &pipeline.Denial{
		Status:        http.StatusBadRequest,
		Code:          "body_unreadable",
		PublicMessage: "The request body could not be read.",
		Rule:          RuleBodyUnreadable,
		Severity:      pipeline.SeverityLow,
		Cause:         fmt.Errorf("reading the request body: %w", err),
	}
}

// tooLarge is the 413 for a body the guard will not scan in part: what was
// not read cannot be vouched for, and padding a payload behind a long
// harmless prefix is the oldest evasion of body inspection.
func tooLarge(r *http.Request, cause error) *pipeline.Denial {
	d := &pipeline.Denial{
		Status:        http.StatusRequestEntityTooLarge,
		Code:          "body_too_large",
		PublicMessage: "The request body is too large.",
		Rule:          RuleBodyTooLarge,
		Category:      "API4:2023",
		Severity:      pipeline.SeverityLow,
		Cause:         cause,
	}
	if r.ProtoMajor == 1 {
		// The rest of the body is unread: without this net/http would read
		// and discard up to 256 KiB of it before answering.
		d.Header = http.Header{"Connection": {"close"}}
	}
	return d
}
