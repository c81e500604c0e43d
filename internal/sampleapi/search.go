package sampleapi

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// searchTimeout bounds one search query: SQLite is interrupted when it passes,
// so an injected recursive CTE cannot spin forever.
const searchTimeout = 2 * time.Second

// search finds the caller's items whose name contains q.
func (a *API) search(w http.ResponseWriter, r *http.Request, p principal) {
	q := r.URL.Query().Get("q")
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()

	var (
		results []map[string]any
		err     error
	)
	if a.cfg.Hardened {
		results, err = a.store.queryReadOnly(ctx,
			`SELECT id, name, description FROM items
			 WHERE owner_id = ? AND name LIKE ? ESCAPE '\' ORDER BY id`,
			p.ID, likeContains(q))
	} else {
		// DELIBERATE FLAW (CWE-89, SQL injection): q is pasted into the SQL
		// text. The owner filter comes after the LIKE, so q = ' OR '1'='1
		// gives "name LIKE '%' OR ('1'='1%' AND owner_id = N)", true for
		// every row of every user; q = ' UNION SELECT id, username,
		// password_hash FROM users -- dumps the users table; a lone '
		// is a syntax error, which serverError answers with the query and
		// a stack trace (CWE-209). Only the read-only connection stands
		// between this and the rest of the database (see queryReadOnly).
		query := "SELECT id, name, description FROM items WHERE name LIKE '%" + q +
			"%' AND owner_id = " + strconv.FormatInt(p.ID, 10) + " ORDER BY id"
		results, err = a.store.queryReadOnly(ctx, query)
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	if results == nil {
		results = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
