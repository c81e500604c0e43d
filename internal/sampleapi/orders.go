package sampleapi

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// order is an order as the API shows it. The card and secret fields are
// filled only in vulnerable mode.
type order struct {
	ID          int64  `json:"id"`
	UserID      int64  `json:"user_id"`
	ItemID      int64  `json:"item_id"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	Status      string `json:"status"`
	CardLast4   string `json:"card_last4"`
	CardNumber  string `json:"card_number,omitempty"`
	CardCVV     string `json:"card_cvv,omitempty"`
	CardExpiry  string `json:"card_expiry,omitempty"`
	APISecret   string `json:"api_secret,omitempty"`
}

const orderColumns = `id, user_id, item_id, amount_cents, currency, status, card_number, card_cvv, card_expiry, api_secret`

// scanOrder reads one row selected with orderColumns and shapes it for the
// client.
func (a *API) scanOrder(row interface{ Scan(...any) error }) (order, error) {
	var o order
	if err := row.Scan(&o.ID, &o.UserID, &o.ItemID, &o.AmountCents, &o.Currency, &o.Status,
		&o.CardNumber, &o.CardCVV, &o.CardExpiry, &o.APISecret); err != nil {
		return order{}, err
	}
	o.CardLast4 = last4(o.CardNumber)
	if a.cfg.Hardened {
		// PCI DSS 3.3/3.4: show at most the last four digits; the CVV is
		// never shown, and the secret is not the customer's business.
		o.CardNumber = strings.Repeat("*", max(len(o.CardNumber)-4, 0)) + o.CardLast4
		o.CardCVV, o.CardExpiry, o.APISecret = "", "", ""
	}
	// else DELIBERATE FLAW (CWE-213, exposure of sensitive information due
	// to incompatible policies; OWASP API3 excessive data exposure): the
	// whole row goes out and the client is trusted to hide the PAN, the CVV
	// and the merchant's api_secret.
	return o, nil
}

// listOrders lists the caller's own orders.
func (a *API) listOrders(w http.ResponseWriter, r *http.Request, p principal) {
	rows, err := a.store.db.QueryContext(r.Context(),
		`SELECT `+orderColumns+` FROM orders WHERE user_id = ? ORDER BY id`, p.ID)
	if err != nil {
		a.serverError(w, r, fmt.Errorf("listing orders: %w", err))
		return
	}
	defer rows.Close()
	orders := []order{}
	for rows.Next() {
		o, err := a.scanOrder(rows)
		if err != nil {
			a.serverError(w, r, fmt.Errorf("listing orders: %w", err))
			return
		}
		orders = append(orders, o)
	}
	if err := rows.Err(); err != nil {
		a.serverError(w, r, fmt.Errorf("listing orders: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
}

// getOrder returns one order.
func (a *API) getOrder(w http.ResponseWriter, r *http.Request, p principal) {
	id, ok := pathID(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "order id must be a positive integer")
		return
	}
	query := `SELECT ` + orderColumns + ` FROM orders WHERE id = ? AND user_id = ?`
	args := []any{id, p.ID}
	if !a.cfg.Hardened {
		// DELIBERATE FLAW (CWE-639, OWASP API1 BOLA): like items, orders
		// are fetched by sequential id without an ownership check.
		query = `SELECT ` + orderColumns + ` FROM orders WHERE id = ?`
		args = args[:1]
	}
	o, err := a.scanOrder(a.store.db.QueryRowContext(r.Context(), query, args...))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeProblem(w, http.StatusNotFound, "no such order")
	case err != nil:
		a.serverError(w, r, fmt.Errorf("loading order %d: %w", id, err))
	default:
		writeJSON(w, http.StatusOK, o)
	}
}

// last4 returns the last four characters of a card number.
func last4(pan string) string {
	if len(pan) <= 4 {
		return pan
	}
	return pan[len(pan)-4:]
}
