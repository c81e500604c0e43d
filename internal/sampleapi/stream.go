package sampleapi

import (
	"fmt"
	"net/http"
	"time"
)

// Limits of GET /api/stream.
const (
	defaultStreamEvents = 3
	maxStreamEvents     = 1_000
	maxStreamDelay      = 30 * time.Second
)

// stream sends n Server-Sent Events (HTML Living Standard §9.2), flushing
// after each, with delay_ms milliseconds between them. It exists to test that
// a proxy in front streams instead of buffering.
func (a *API) stream(w http.ResponseWriter, r *http.Request) {
	n, ok := queryInt(r, "n", defaultStreamEvents)
	if !ok || n > maxStreamEvents {
		writeProblem(w, http.StatusBadRequest, fmt.Sprintf("n must be an integer from 0 to %d", maxStreamEvents))
		return
	}
	ms, ok := queryInt(r, "delay_ms", 0)
	delay := time.Duration(ms) * time.Millisecond
	if !ok || delay > maxStreamDelay {
		writeProblem(w, http.StatusBadRequest, fmt.Sprintf("delay_ms must be an integer from 0 to %d", maxStreamDelay.Milliseconds()))
		return
	}

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // ask buffering proxies (nginx) to pass events through
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		a.log.WarnContext(r.Context(), "stream cannot flush", "err", err)
		return
	}
	for seq := 1; seq <= n; seq++ {
		if seq > 1 && delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if _, err := fmt.Fprintf(w, "id: %d\nevent: tick\ndata: {\"seq\":%d,\"of\":%d}\n\n", seq, seq, n); err != nil {
			return // the client is gone
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
