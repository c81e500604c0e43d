package sampleapi

import (
	"fmt"
	"net/http"
)

// adminListUsers lists every account. It is meant for administrators.
func (a *API) adminListUsers(w http.ResponseWriter, r *http.Request, p principal) {
	// DELIBERATE FLAW (CWE-285, improper authorization; OWASP API5 broken
	// function level authorization): vulnerable mode only requires a valid
	// token, never the admin role.
	if a.cfg.Hardened && p.Role != "admin" {
		writeProblem(w, http.StatusForbidden, "administrators only")
		return
	}
	rows, err := a.store.db.QueryContext(r.Context(), `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		a.serverError(w, r, fmt.Errorf("listing users: %w", err))
		return
	}
	defer rows.Close()
	users := []user{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			a.serverError(w, r, fmt.Errorf("listing users: %w", err))
			return
		}
		if a.cfg.Hardened {
			u.PasswordHash = "" // even administrators have no use for it
		}
		// else DELIBERATE FLAW (CWE-200): password hashes (unsalted
		// SHA-256, see hashPassword) go to the client.
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		a.serverError(w, r, fmt.Errorf("listing users: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}
