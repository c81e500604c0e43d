package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// minTokenLen keeps the admin token out of brute-force range.
const minTokenLen = 32

// maxListed bounds a list response.
const maxListed = 10000

// MarkList is a list of expiring marks the admin API manages (bans,
// revocations). Validate checks a key before it is stored, so only keys the
// consuming guard understands get in.
type MarkList interface {
	List(ctx context.Context, limit int) ([]store.Mark, error)
	// Put stores m and returns it as stored (its key normalised).
	Put(ctx context.Context, m store.Mark) (store.Mark, error)
	Delete(ctx context.Context, key string) (bool, error)
	Validate(key string) error
}

// markJSON is the wire form of a mark.
type markJSON struct {
	Key    string    `json:"key"`
	Reason string    `json:"reason,omitempty"`
	Source string    `json:"source,omitempty"`
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
}

// addRequest adds a mark for a duration or until a time.
type addRequest struct {
	Key      string    `json:"key"`
	Reason   string    `json:"reason"`
	Duration string    `json:"duration"`
	Until    time.Time `json:"until"`
}

// apiHandler serves /admin/{list} (GET list, POST add) and
// /admin/{list}/{key} (DELETE), behind the bearer token.
func (a *Admin) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/{list}", a.listMarks)
	mux.HandleFunc("POST /admin/{list}", a.addMark)
	mux.HandleFunc("DELETE /admin/{list}/{key...}", a.deleteMark)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.token == "" {
			pipeline.WriteProblem(w, r, http.StatusNotFound, "not_found", "No such admin endpoint.")
			return
		}
		if !a.authorized(r) {
			a.log.LogAttrs(r.Context(), slog.LevelWarn, "admin api: authentication failed",
				slog.String("client.ip", pipeline.ClientIP(r).String()), slog.String("url.path", r.URL.Path))
			w.Header().Set("WWW-Authenticate", `Bearer realm="rampart-admin"`)
			pipeline.WriteProblem(w, r, http.StatusUnauthorized, "unauthorized", "Authentication required.")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// authorized compares the bearer token in constant time.
func (a *Admin) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(auth) <= len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(auth[len(prefix):]), []byte(a.token)) == 1
}

func (a *Admin) list(w http.ResponseWriter, r *http.Request) (string, MarkList, bool) {
	name := r.PathValue("list")
	l := a.lists[name]
	if l == nil {
		pipeline.WriteProblem(w, r, http.StatusNotFound, "not_found", "No such admin endpoint.")
		return "", nil, false
	}
	return name, l, true
}

func (a *Admin) listMarks(w http.ResponseWriter, r *http.Request) {
	name, l, ok := a.list(w, r)
	if !ok {
		return
	}
	marks, err := l.List(r.Context(), maxListed)
	if err != nil {
		a.storeFailed(w, r, err)
		return
	}
	out := make([]markJSON, 0, len(marks))
	for _, m := range marks {
		out = append(out, markJSON(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{name: out})
}

func (a *Admin) addMark(w http.ResponseWriter, r *http.Request) {
	name, l, ok := a.list(w, r)
	if !ok {
		return
	}
	var req addRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		pipeline.WriteProblem(w, r, http.StatusBadRequest, "bad_request", "The body must be a JSON object with key, reason and duration or until.")
		return
	}
	if err := l.Validate(req.Key); err != nil {
		pipeline.WriteProblem(w, r, http.StatusBadRequest, "bad_key", err.Error())
		return
	}
	now := a.now()
	until := req.Until
	if req.Duration != "" {
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			pipeline.WriteProblem(w, r, http.StatusBadRequest, "bad_duration", "duration must be a positive Go duration such as 30m or 24h.")
			return
		}
		until = now.Add(d)
	}
	if !until.After(now) {
		pipeline.WriteProblem(w, r, http.StatusBadRequest, "bad_until", "Give a duration, or an until time in the future.")
		return
	}
	m, err := l.Put(r.Context(), store.Mark{Key: req.Key, Reason: truncate(req.Reason, 256), Source: "admin", Since: now, Until: until})
	if err != nil {
		a.storeFailed(w, r, err)
		return
	}
	a.onAction("admin."+name+".add", map[string]string{"target": m.Key, "reason": m.Reason, "until": until.UTC().Format(time.RFC3339)})
	writeJSON(w, http.StatusCreated, markJSON(m))
}

func (a *Admin) deleteMark(w http.ResponseWriter, r *http.Request) {
	name, l, ok := a.list(w, r)
	if !ok {
		return
	}
	key := r.PathValue("key")
	found, err := l.Delete(r.Context(), key)
	if err != nil {
		a.storeFailed(w, r, err)
		return
	}
	if !found {
		pipeline.WriteProblem(w, r, http.StatusNotFound, "not_found", "No such entry.")
		return
	}
	a.onAction("admin."+name+".delete", map[string]string{"target": key})
	w.WriteHeader(http.StatusNoContent)
}

// storeFailed answers a failure of the shared store; the cause is logged.
// The three answers differ because an operator acts differently on each:
// wait for Redis (503), raise store.max_marks or remove entries (507), or
// read the log for a corrupt entry (500).
func (a *Admin) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	a.log.LogAttrs(r.Context(), slog.LevelError, "admin api: store failed", slog.Any("error", err))
	switch {
	case errors.Is(err, store.ErrUnavailable):
		pipeline.WriteProblem(w, r, http.StatusServiceUnavailable, "store_unavailable", "The shared store could not be reached.")
	case errors.Is(err, store.ErrFull):
		pipeline.WriteProblem(w, r, http.StatusInsufficientStorage, "store_full",
			"The store holds its maximum number of entries of this kind (store.max_marks).")
	default:
		pipeline.WriteProblem(w, r, http.StatusInternalServerError, "store_error",
			"The shared store gave an answer the gateway could not use; the cause is in the gateway's log.")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
