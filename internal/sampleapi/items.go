package sampleapi

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// item is an object owned by one user.
type item struct {
	ID          int64  `json:"id"`
	OwnerID     int64  `json:"owner_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// itemInput is the writable part of an item.
type itemInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

const (
	maxItemName        = 200
	maxItemDescription = 4000
)

// validate reports what is wrong with in, or "" when it is acceptable.
func (in itemInput) validate() string {
	switch {
	case strings.TrimSpace(in.Name) == "":
		return "name is required"
	case len(in.Name) > maxItemName:
		return "name is longer than " + strconv.Itoa(maxItemName) + " bytes"
	case len(in.Description) > maxItemDescription:
		return "description is longer than " + strconv.Itoa(maxItemDescription) + " bytes"
	}
	return ""
}

// listItems lists the caller's items, optionally those whose name contains q.
// This is the safe twin of search: same filter, parameterised.
func (a *API) listItems(w http.ResponseWriter, r *http.Request, p principal) {
	rows, err := a.store.db.QueryContext(r.Context(),
		`SELECT id, owner_id, name, description FROM items
		 WHERE owner_id = ? AND name LIKE ? ESCAPE '\' ORDER BY id`,
		p.ID, likeContains(r.URL.Query().Get("q")))
	if err != nil {
		a.serverError(w, r, fmt.Errorf("listing items: %w", err))
		return
	}
	defer rows.Close()
	items := []item{}
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.ID, &it.OwnerID, &it.Name, &it.Description); err != nil {
			a.serverError(w, r, fmt.Errorf("listing items: %w", err))
			return
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		a.serverError(w, r, fmt.Errorf("listing items: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// createItem creates an item owned by the caller.
func (a *API) createItem(w http.ResponseWriter, r *http.Request, p principal) {
	var in itemInput
	if err := decodeJSON(w, r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "body must be {\"name\": string, \"description\": string}")
		return
	}
	if msg := in.validate(); msg != "" {
		writeProblem(w, http.StatusUnprocessableEntity, msg)
		return
	}
	res, err := a.store.db.ExecContext(r.Context(),
		`INSERT INTO items (owner_id, name, description) VALUES (?, ?, ?)`, p.ID, in.Name, in.Description)
	if err != nil {
		a.serverError(w, r, fmt.Errorf("creating an item: %w", err))
		return
	}
	id, err := res.LastInsertId()
	if err != nil {
		a.serverError(w, r, fmt.Errorf("creating an item: %w", err))
		return
	}
	w.Header().Set("Location", "/api/items/"+strconv.FormatInt(id, 10))
	writeJSON(w, http.StatusCreated, item{ID: id, OwnerID: p.ID, Name: in.Name, Description: in.Description})
}

// getItem returns one item.
func (a *API) getItem(w http.ResponseWriter, r *http.Request, p principal) {
	id, ok := pathID(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "item id must be a positive integer")
		return
	}
	it, found, err := a.loadItem(r, id, p)
	switch {
	case err != nil:
		a.serverError(w, r, err)
	case !found:
		writeProblem(w, http.StatusNotFound, "no such item")
	default:
		writeJSON(w, http.StatusOK, it)
	}
}

// updateItem replaces an item's name and description.
func (a *API) updateItem(w http.ResponseWriter, r *http.Request, p principal) {
	id, ok := pathID(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "item id must be a positive integer")
		return
	}
	var in itemInput
	if err := decodeJSON(w, r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "body must be {\"name\": string, \"description\": string}")
		return
	}
	if msg := in.validate(); msg != "" {
		writeProblem(w, http.StatusUnprocessableEntity, msg)
		return
	}
	it, found, err := a.loadItem(r, id, p)
	switch {
	case err != nil:
		a.serverError(w, r, err)
		return
	case !found:
		writeProblem(w, http.StatusNotFound, "no such item")
		return
	}
	// The ownership decision was made by loadItem; the write is by id.
	if _, err := a.store.db.ExecContext(r.Context(),
		`UPDATE items SET name = ?, description = ? WHERE id = ?`, in.Name, in.Description, id); err != nil {
		a.serverError(w, r, fmt.Errorf("updating item %d: %w", id, err))
		return
	}
	it.Name, it.Description = in.Name, in.Description
	writeJSON(w, http.StatusOK, it)
}

// loadItem fetches item id as the caller may see it.
func (a *API) loadItem(r *http.Request, id int64, p principal) (item, bool, error) {
	query := `SELECT id, owner_id, name, description FROM items WHERE id = ? AND owner_id = ?`
	args := []any{id, p.ID}
	if !a.cfg.Hardened {
		// DELIBERATE FLAW (CWE-639, authorization bypass through a
		// user-controlled key; OWASP API1 BOLA): the item is fetched by its
		// sequential id alone, never checked against the caller, so any
		// user reads and (through updateItem) overwrites anyone's items.
		query = `SELECT id, owner_id, name, description FROM items WHERE id = ?`
		args = args[:1]
	}
	var it item
	err := a.store.db.QueryRowContext(r.Context(), query, args...).
		Scan(&it.ID, &it.OwnerID, &it.Name, &it.Description)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Hardened: someone else's item is indistinguishable from a
		// missing one, so ids cannot be probed for existence.
		return item{}, false, nil
	case err != nil:
		return item{}, false, fmt.Errorf("loading item %d: %w", id, err)
	}
	return it, true, nil
}

// likeContains turns s into a LIKE pattern matching any string containing s
// literally: the wildcards % and _ and the escape character are escaped.
func likeContains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
