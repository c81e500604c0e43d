package ratelimit

import (
	"net/http"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// FuzzSignals: any answer and header values, no panic.
func FuzzSignals(f *testing.F) {
	f.Add(429, "30", "100", "limit=100, remaining=0", []byte("slow down"))
	f.Add(401, "", "", "", []byte(`{"error":"please solve the captcha"}`))
	f.Add(200, "x", "1,2", "r=1", []byte(""))
	f.Fuzz(func(t *testing.T, status int, retry, xlimit, rl string, body []byte) {
		h := http.Header{"Retry-After": {retry}, "X-Ratelimit-Limit": {xlimit}, "Ratelimit": {rl}}
		_ = throttled(&core.Response{Status: status, Header: h, Body: body})
		_ = limitAbove(map[string]string{"X-RateLimit-Limit": xlimit, "RateLimit": rl}, 60)
		_ = describeHeaders(map[string]string{"Retry-After": retry})
		_, _ = slowedDown([]time.Duration{time.Duration(status), 1, 2, 3, 4, 5, 6, 7, 8, time.Duration(len(body))})
		_, _ = fieldsOf([]string{retry, xlimit, rl})
	})
}
