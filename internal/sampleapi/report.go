package sampleapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
)

// Report cost limits, in SHA-256 rounds.
const (
	defaultReportRounds = 1_000
	// maxReportRoundsVulnerable still bounds the flaw (about half a second
	// of one core) so tests and the demo stay finite.
	maxReportRoundsVulnerable = 2_000_000
	maxReportRoundsHardened   = 10_000
	// reportCheckEvery is how often the loop checks whether the client left.
	reportCheckEvery = 1 << 14
)

// report computes an n-round integrity digest over the caller's items: CPU
// work proportional to n.
func (a *API) report(w http.ResponseWriter, r *http.Request, p principal) {
	n, ok := queryInt(r, "n", defaultReportRounds)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "n must be a non-negative integer")
		return
	}
	if a.cfg.Hardened {
		if n > maxReportRoundsHardened {
			writeProblem(w, http.StatusBadRequest, "n must be at most "+strconv.Itoa(maxReportRoundsHardened))
			return
		}
	} else {
		// DELIBERATE FLAW (CWE-400, uncontrolled resource consumption;
		// OWASP API4): the client picks the cost. The cap is far above
		// what the report needs, so a handful of parallel requests keeps
		// every core busy.
		n = min(n, maxReportRoundsVulnerable)
	}

	var names []byte
	rows, err := a.store.db.QueryContext(r.Context(), `SELECT name FROM items WHERE owner_id = ? ORDER BY id`, p.ID)
	if err != nil {
		a.serverError(w, r, fmt.Errorf("reading items for the report: %w", err))
		return
	}
	count := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			a.serverError(w, r, fmt.Errorf("reading items for the report: %w", err))
			return
		}
		names = append(append(names, name...), 0)
		count++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		a.serverError(w, r, fmt.Errorf("reading items for the report: %w", err))
		return
	}

	sum := sha256.Sum256(names)
	for i := range n {
		if i%reportCheckEvery == 0 && r.Context().Err() != nil {
			return // the client is gone; stop burning CPU for nobody
		}
		sum = sha256.Sum256(sum[:])
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"rounds": n,
		"items":  count,
		"digest": hex.EncodeToString(sum[:]),
	})
}
