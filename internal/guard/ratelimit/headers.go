package ratelimit

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// The 429 answer carries the RateLimit-Policy and RateLimit fields of
// draft-ietf-httpapi-ratelimit-headers (-08 and later: Structured Field
// Lists, RFC 8941, of quoted policy names with parameters):
//
//	RateLimit-Policy: "api-1";q=40;w=2, "api-2";q=10000;w=86400
//	RateLimit: "api-1";r=0;t=1, "api-2";r=9958;t=362
//
// A 429 carries the refusing policy's limits. An admitted response carries
// the limits of every policy with Headers HeadersAlways that counted the
// request (admitted.go): formatted into a stack buffer by Check, added to
// the response by ObserveResponse.

// sfMaxInteger is the largest Structured Field Integer (RFC 8941 §3.3.1).
const sfMaxInteger = 999_999_999_999_999

// quota describes a GCRA limit as the draft's quota policy: q units per w
// seconds. A GCRA limit admits Burst at once and then refills one unit per
// Interval, so its natural window is the time a full burst takes to refill
// (Burst × Interval): q=Burst per that window is exactly the sustained rate,
// and the available quota r (at most Burst) never exceeds q. The window is
// rounded up to whole seconds (the draft has no sub-second windows), q then
// scaled to keep the rate: 20/s burst 40 is q=40;w=2, 10/s burst 1 is
// q=10;w=1, 10000 per 24h burst 10000 is q=10000;w=86400.
func quota(l store.Limit) (q, w int64) {
	window := float64(l.Burst) * l.Interval().Seconds()
	wf := math.Max(1, math.Ceil(window))
	qf := math.Max(float64(l.Burst), math.Floor(wf*float64(l.Rate)/l.Period.Seconds()))
	return clampSF(qf), clampSF(wf)
}

func clampSF(f float64) int64 {
	if f >= sfMaxInteger {
		return sfMaxInteger
	}
	return int64(f)
}

// policyItem formats one member of RateLimit-Policy. name is a validated
// token, so it needs no escaping inside the sf-string.
func policyItem(name string, l store.Limit) string {
	q, w := quota(l)
	var b strings.Builder
	b.Grow(len(name) + 32)
	b.WriteByte('"')
	b.WriteString(name)
	b.WriteString(`";q=`)
	b.WriteString(strconv.FormatInt(q, 10))
	b.WriteString(";w=")
	b.WriteString(strconv.FormatInt(w, 10))
	return b.String()
}

// appendServiceItem appends one member of RateLimit: the available quota r
// and the effective window t, in whole seconds rounded up. For a refused
// request t is the wait until the next admission (nothing is available
// before it); for an admitted one it is the time until the quota is full
// again.
func appendServiceItem(b []byte, name string, d store.Decision) []byte {
	t := d.ResetAfter
	if !d.Allowed {
		t = d.RetryAfter
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `";r=`...)
	b = strconv.AppendInt(b, min(int64(max(d.Remaining, 0)), sfMaxInteger), 10)
	b = append(b, ";t="...)
	return strconv.AppendInt(b, ceilSeconds(t), 10)
}

// ceilSeconds rounds d up to whole seconds, clamped to a valid SF Integer.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	s := int64(d / time.Second)
	if d%time.Second != 0 {
		s++
	}
	return min(s, sfMaxInteger)
}
