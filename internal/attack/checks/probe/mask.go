package probe

import (
	"net/url"
	"slices"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// maxMaskStars bounds the stars Mask writes, so a long secret does not
// become a long line of stars.
const maxMaskStars = 12

// Mask hides a value found in a response for evidence: values of 12
// characters or more keep their last four (enough to tell a card or a key
// from another, as PCI DSS allows for PANs), shorter ones keep a quarter,
// so that a 3-digit CVV is hidden entirely.
func Mask(v string) string {
	r := []rune(v)
	keep := 4
	if len(r) < 12 {
		keep = len(r) / 4
	}
	stars := min(len(r)-keep, maxMaskStars)
	return strings.Repeat("*", stars) + string(r[len(r)-keep:])
}

// MaskIn replaces every occurrence of each value in s with its mask,
// longest value first, so that a short value (a CVV) masked inside a long
// one (a card number) cannot leave the long one unmatched and in clear.
func MaskIn(s string, values ...string) string {
	values = slices.Clone(values)
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
	for _, v := range values {
		if v != "" {
			s = strings.ReplaceAll(s, v, Mask(v))
		}
	}
	return s
}

// MaskExchange returns a copy of ex with every value masked wherever it
// appears: URL, headers and bodies of the request and the response.
func MaskExchange(ex core.Exchange, values ...string) core.Exchange {
	out := ex
	out.Note = MaskIn(ex.Note, values...)
	out.Request.URL = MaskIn(ex.Request.URL, values...)
	out.Request.Body = MaskIn(ex.Request.Body, values...)
	out.Request.Header = maskHeader(ex.Request.Header, values)
	if ex.Response != nil {
		r := *ex.Response
		r.Body = MaskIn(r.Body, values...)
		r.Header = maskHeader(r.Header, values)
		out.Response = &r
	}
	return out
}

func maskHeader(h map[string][]string, values []string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		m := make([]string, len(vs))
		for i, v := range vs {
			m[i] = MaskIn(v, values...)
		}
		out[k] = m
	}
	return out
}

// RedactQuery returns a copy of ex whose request URL has the values of the
// named query parameters replaced by "[redacted]", as core.Redact does for
// credential headers: a key moved into the URL stays out of the report.
func RedactQuery(ex core.Exchange, names ...string) core.Exchange {
	u, err := url.Parse(ex.Request.URL)
	if err != nil {
		ex.Request.URL = "[redacted url]"
		return ex
	}
	q := u.Query()
	for _, n := range names {
		if q.Has(n) {
			q.Set(n, redactedMarker)
		}
	}
	u.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(redactedMarker), redactedMarker)
	ex.Request.URL = u.String()
	return ex
}
