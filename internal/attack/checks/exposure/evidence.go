package exposure

import (
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// MaskEvidence returns copies of the exchanges with every sensitive value
// found in their bodies (cards, secrets, keys, hashes, tokens) masked, so
// that no finding's evidence carries what the exposure checks would report.
// Every check puts its evidence through it.
func MaskEvidence(exs ...core.Exchange) []core.Exchange {
	out := make([]core.Exchange, len(exs))
	for i, ex := range exs {
		var values []string
		if ex.Response != nil {
			for _, m := range SensitiveData([]byte(ex.Response.Body)) {
				values = append(values, m.Value)
			}
		}
		for _, m := range SensitiveData([]byte(ex.Request.Body)) {
			values = append(values, m.Value)
		}
		out[i] = probe.MaskExchange(ex, values...)
	}
	return out
}
