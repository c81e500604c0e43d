package sampleapi

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// user is a users row as the API shows it. PasswordHash is filled only where
// the vulnerable admin listing leaks it.
type user struct {
	ID           int64  `json:"id"`
	Username     string `json:"username"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	IsAdmin      bool   `json:"is_admin"`
	PasswordHash string `json:"password_hash,omitempty"`
}

const userColumns = `id, username, name, email, role, is_admin, password_hash`

// scanUser reads one row selected with userColumns.
func scanUser(row interface{ Scan(...any) error }) (user, error) {
	var u user
	err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Email, &u.Role, &u.IsAdmin, &u.PasswordHash)
	return u, err
}

// writableUserColumns are the users columns PATCH /api/users/me may set.
func (a *API) writableUserColumns() []string {
	if a.cfg.Hardened {
		return []string{"email", "name"}
	}
	// DELIBERATE FLAW (CWE-915, improperly controlled modification of
	// dynamically-determined object attributes; OWASP API3 mass
	// assignment): every column of the row except the key and the
	// credentials is bound from the request, so {"role": "admin",
	// "is_admin": true} makes the caller an administrator.
	return []string{"email", "is_admin", "name", "role"}
}

// getMe returns the caller's own profile.
func (a *API) getMe(w http.ResponseWriter, r *http.Request, p principal) {
	u, err := a.loadUser(r, p.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// updateMe applies a partial update (JSON merge patch, RFC 7396, without
// nesting) to the caller's profile.
func (a *API) updateMe(w http.ResponseWriter, r *http.Request, p principal) {
	var patch map[string]any
	if err := decodeJSON(w, r, &patch); err != nil || patch == nil {
		writeProblem(w, http.StatusBadRequest, "body must be a json object")
		return
	}
	writable := a.writableUserColumns()
	keys := make([]string, 0, len(patch))
	for k := range patch {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable statement for a given set of fields

	var sets []string
	var args []any
	for _, k := range keys {
		if !slices.Contains(writable, k) {
			if a.cfg.Hardened {
				writeProblem(w, http.StatusBadRequest, "field is not writable: "+k)
				return
			}
			continue // vulnerable mode ignores what it does not know
		}
		v := patch[k]
		if msg := a.checkUserValue(k, v); msg != "" {
			writeProblem(w, http.StatusUnprocessableEntity, msg)
			return
		}
		// k comes from the fixed column list above, never from the
		// client's spelling, so it is safe to place in the statement.
		sets = append(sets, k+" = ?")
		args = append(args, v)
	}
	if len(sets) > 0 {
		args = append(args, p.ID)
		if _, err := a.store.db.ExecContext(r.Context(),
			"UPDATE users SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
			a.serverError(w, r, fmt.Errorf("updating user %d: %w", p.ID, err))
			return
		}
	}
	a.getMe(w, r, p)
}

// checkUserValue reports what is wrong with value v for column k, or "".
func (a *API) checkUserValue(k string, v any) string {
	const maxLen = 254 // the longest valid email address (RFC 5321 §4.5.3)
	switch v := v.(type) {
	case string:
		if len(v) > maxLen {
			return k + " is longer than 254 bytes"
		}
		if a.cfg.Hardened && k == "email" && !strings.Contains(v, "@") {
			return "email must be an address"
		}
		return ""
	case bool, float64:
		if a.cfg.Hardened {
			return k + " must be a string"
		}
		return "" // vulnerable: stored as given, SQLite's affinity decides
	default:
		return k + " must be a string, number or boolean"
	}
}

// loadUser fetches a user by id, without the password hash.
func (a *API) loadUser(r *http.Request, id int64) (user, error) {
	u, err := scanUser(a.store.db.QueryRowContext(r.Context(),
		`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return user{}, fmt.Errorf("user %d vanished", id)
	}
	if err != nil {
		return user{}, fmt.Errorf("loading user %d: %w", id, err)
	}
	u.PasswordHash = ""
	return u, nil
}
