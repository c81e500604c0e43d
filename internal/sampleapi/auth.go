package sampleapi

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// principal is the authenticated caller, as the database knows it now.
type principal struct {
	ID       int64
	Username string
	Role     string
}

// TokenIssuer and TokenAudience are the iss and aud of the tokens the
// sample API issues, for a gateway configured to verify them.
const (
	TokenIssuer   = "sampleapi"
	TokenAudience = "sample-api"
)

// tokenClaims are the claims of an access token: sub is the username.
type tokenClaims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string `json:"token"`
	TokenType string `json:"token_type"`
	ExpiresIn int    `json:"expires_in"`
}

// dummyHash is verified against when the username is unknown, so a failed
// login costs the same whether or not the account exists (CWE-208, timing
// side channel for user enumeration).
const dummyHash = "pbkdf2-sha256$10000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// login exchanges a username and password for a bearer token.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeProblem(w, http.StatusBadRequest, "body must be {\"username\": string, \"password\": string}")
		return
	}
	// DELIBERATE FLAW (CWE-307, as with the account lockout below): in
	// vulnerable mode a.loginFailures is nil, so nothing counts a client's
	// failed logins across accounts (credential stuffing, password spraying).
	// Hardened, a client out of failures is refused before any password is
	// checked, the right one included: otherwise the answer would still
	// tell a good guess from a bad one.
	client := clientKey(r)
	if a.loginFailures != nil {
		if wait := a.loginFailures.blocked(client); wait > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(ceilSeconds(wait), 10))
			writeProblem(w, http.StatusTooManyRequests, "too many failed logins from this address; try again later")
			return
		}
	}
	var (
		id                int64
		hash, role, uname string
	)
	err := a.store.db.QueryRowContext(r.Context(),
		`SELECT id, username, password_hash, role FROM users WHERE username = ?`, req.Username).
		Scan(&id, &uname, &hash, &role)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if a.cfg.Hardened {
			verifyPassword(dummyHash, req.Password)
			a.loginFailures.take(client)
		}
		writeProblem(w, http.StatusUnauthorized, "invalid username or password")
		return
	case err != nil:
		a.serverError(w, r, fmt.Errorf("looking up user for login: %w", err))
		return
	}

	// DELIBERATE FLAW (CWE-307, improper restriction of excessive
	// authentication attempts): in vulnerable mode a.lockout is nil, so
	// nothing limits password guessing or credential stuffing.
	if a.lockout != nil {
		if wait := a.lockout.lockedFor(id); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			writeProblem(w, http.StatusTooManyRequests, "too many failed logins; try again later")
			return
		}
	}
	if !verifyPassword(hash, req.Password) {
		if a.lockout != nil {
			a.lockout.fail(id)
			a.loginFailures.take(client)
		}
		writeProblem(w, http.StatusUnauthorized, "invalid username or password")
		return
	}
	if a.lockout != nil {
		a.lockout.succeed(id)
	}

	token, err := a.issueToken(uname, role)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: token, TokenType: "Bearer", ExpiresIn: int(tokenTTL / time.Second)})
}

// issueToken signs an HS256 token for the user.
func (a *API) issueToken(username, role string) (string, error) {
	now := a.cfg.Now()
	claims := tokenClaims{
		Role: role,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    TokenIssuer,
			Audience:  jwt.ClaimStrings{TokenAudience},
			Subject:   username,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(tokenTTL)),
		},
	}
	// DELIBERATE FLAW (CWE-1391, use of weak credentials; CWE-326): in
	// vulnerable mode the HMAC key is "secret123". The signature is checked
	// properly; it is the key that an offline cracker (hashcat -m 16500,
	// jwt_tool) recovers from one captured token in a small wordlist, after
	// which anyone can mint tokens for any user and role.
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.secret)
	if err != nil {
		return "", fmt.Errorf("signing a token: %w", err)
	}
	return token, nil
}

// parseToken verifies raw and returns its claims. The algorithm is pinned to
// HS256 so "alg": "none" and RS/HS confusion are refused (RFC 8725 §3.1).
func (a *API) parseToken(raw string) (*tokenClaims, error) {
	var claims tokenClaims
	_, err := jwt.ParseWithClaims(raw, &claims,
		func(*jwt.Token) (any, error) { return a.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(a.cfg.Now),
	)
	if err != nil {
		return nil, fmt.Errorf("verifying bearer token: %w", err)
	}
	return &claims, nil
}

// requireAuth verifies the bearer token (RFC 6750) and loads the caller from
// the database, so a role changed since the token was issued applies at once.
func (a *API) requireAuth(next authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearerToken(r)
		if !ok {
			unauthorized(w, "missing bearer token")
			return
		}
		claims, err := a.parseToken(raw)
		if err != nil {
			unauthorized(w, "invalid or expired token")
			return
		}
		var p principal
		err = a.store.db.QueryRowContext(r.Context(),
			`SELECT id, username, role FROM users WHERE username = ?`, claims.Subject).
			Scan(&p.ID, &p.Username, &p.Role)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			unauthorized(w, "invalid or expired token")
			return
		case err != nil:
			a.serverError(w, r, fmt.Errorf("loading the caller: %w", err))
			return
		}
		next(w, r, p)
	}
}

// bearerToken extracts the token of an "Authorization: Bearer" header; the
// scheme is case-insensitive (RFC 9110 §11.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// unauthorized answers 401 with the RFC 6750 challenge.
func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="sampleapi"`)
	writeProblem(w, http.StatusUnauthorized, detail)
}
