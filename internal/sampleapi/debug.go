package sampleapi

import (
	"net/http"
	"runtime"
)

// debugVars dumps the configuration and runtime state. Registered only in
// vulnerable mode, where it is the deliberate flaw described in routes.
func (a *API) debugVars(w http.ResponseWriter, _ *http.Request) {
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	writeJSON(w, http.StatusOK, map[string]any{
		"mode": a.cfg.mode(),
		"config": map[string]any{
			"jwt_secret":    string(a.secret),
			"jwt_algorithm": "HS256",
			"token_ttl":     tokenTTL.String(),
			"database_dsn":  a.store.dsn,
			"database":      "sqlite (modernc.org/sqlite, in memory)",
		},
		"runtime": map[string]any{
			"go_version":  runtime.Version(),
			"goos":        runtime.GOOS,
			"goarch":      runtime.GOARCH,
			"num_cpu":     runtime.NumCPU(),
			"goroutines":  runtime.NumGoroutine(),
			"heap_alloc":  mem.HeapAlloc,
			"total_alloc": mem.TotalAlloc,
		},
	})
}
