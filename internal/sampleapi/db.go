package sampleapi

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// schema is the whole data model. Integer primary keys are sequential on
// purpose: guessable IDs are what makes BOLA (API1) cheap to exploit.
const schema = `
CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	username      TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	email         TEXT    NOT NULL DEFAULT '',
	password_hash TEXT    NOT NULL,
	role          TEXT    NOT NULL DEFAULT 'user',
	is_admin      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE items (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_id    INTEGER NOT NULL REFERENCES users(id),
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE orders (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users(id),
	item_id      INTEGER NOT NULL REFERENCES items(id),
	amount_cents INTEGER NOT NULL,
	currency     TEXT    NOT NULL DEFAULT 'USD',
	status       TEXT    NOT NULL,
	card_number  TEXT    NOT NULL,
	card_cvv     TEXT    NOT NULL,
	card_expiry  TEXT    NOT NULL,
	api_secret   TEXT    NOT NULL
);`

// seedUser is one seeded account.
type seedUser struct {
	username, password, name, email, role string
}

// seedUsers returns the seeded accounts, in id order.
func seedUsers() []seedUser {
	return []seedUser{
		{"alice", "alice-password-1", "Alice Liddell", "alice@example.com", "user"},
		{"bob", "bob-password-2", "Bob Builder", "bob@example.com", "user"},
		{"admin", "admin-password-3", "Site Admin", "admin@example.com", "admin"},
	}
}

// seedData inserts the items and orders; user ids follow seedUsers (1, 2, 3).
// The card numbers are the issuers' public test numbers (all pass Luhn), so
// the DLP guard has realistic PANs to catch; the api_secret values are fake.
const seedData = `
INSERT INTO items (owner_id, name, description) VALUES
	(1, 'hello notebook',  'Alice''s private notes'),
	(1, 'camera',          'Alice''s mirrorless camera'),
	(1, 'tax return 2024', 'Alice''s confidential documents'),
	(2, 'hello guitar',    'Bob''s acoustic guitar'),
	(2, 'bicycle',         'Bob''s road bike'),
	(2, 'toolbox',         'Bob''s tools'),
	(3, 'server inventory','root credentials are in the vault'),
	(3, 'hello admin',     'admin scratch item');
INSERT INTO orders (user_id, item_id, amount_cents, currency, status, card_number, card_cvv, card_expiry, api_secret) VALUES
	(1, 2, 89900,  'USD', 'shipped',   '4111111111111111', '123',  '12/30', 'sapi_secret_alice_7d3f0c9e2b1a48e6'),
	(2, 5, 45000,  'USD', 'paid',      '5555555555554444', '456',  '01/31', 'sapi_secret_bob_1c5e9a7f3d2b6084'),
	(3, 7, 129900, 'USD', 'delivered', '378282246310005',  '7890', '06/29', 'sapi_secret_admin_f0e1d2c3b4a59687'),
	(1, 1, 1299,   'USD', 'pending',   '4012888888881881', '321',  '03/32', 'sapi_secret_alice_2a4c6e8f0b1d3f57');`

// store is the embedded SQLite database of one API instance.
type store struct {
	db *sql.DB
	// keeper holds one connection open for the lifetime of the store: a
	// shared-cache in-memory database lives only while a connection to it
	// does, and the pool may close idle or broken ones.
	keeper *sql.Conn
	dsn    string
}

// openStore creates a fresh in-memory database with a name of its own, so
// parallel instances never share data, and seeds it.
func openStore(ctx context.Context, hardened bool) (*store, error) {
	var name [8]byte
	if _, err := rand.Read(name[:]); err != nil {
		return nil, fmt.Errorf("naming the database: %w", err)
	}
	dsn := "file:sampleapi-" + hex.EncodeToString(name[:]) + "?mode=memory&cache=shared&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening sqlite: %w", err)
	}
	// One keeper plus one working connection. A single working connection
	// serialises queries: two connections of one shared cache would fail
	// each other with SQLITE_LOCKED under concurrent reads and writes.
	db.SetMaxOpenConns(2)
	keeper, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connecting to sqlite: %w", err)
	}
	s := &store{db: db, keeper: keeper, dsn: dsn}
	if err := s.seed(ctx, hardened); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *store) seed(ctx context.Context, hardened bool) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("creating the schema: %w", err)
	}
	for _, u := range seedUsers() {
		hash, err := hashPassword(hardened, u.password)
		if err != nil {
			return fmt.Errorf("seeding user %s: %w", u.username, err)
		}
		isAdmin := u.role == "admin"
		if _, err := s.db.ExecContext(ctx,
			`INSERT INTO users (username, name, email, password_hash, role, is_admin) VALUES (?, ?, ?, ?, ?, ?)`,
			u.username, u.name, u.email, hash, u.role, isAdmin); err != nil {
			return fmt.Errorf("seeding user %s: %w", u.username, err)
		}
	}
	if _, err := s.db.ExecContext(ctx, seedData); err != nil {
		return fmt.Errorf("seeding items and orders: %w", err)
	}
	return nil
}

// Close closes the database; the in-memory data is gone afterwards.
func (s *store) Close() error {
	return errors.Join(s.keeper.Close(), s.db.Close())
}

// maxSearchRows bounds a search response however many rows an injected query
// makes the database return.
const maxSearchRows = 500

// maxValueBytes caps strings and blobs on the connection that runs a search,
// so an injected randomblob(1e9) fails instead of allocating a gigabyte. The
// limit stays on the connection afterwards; no legitimate value comes near it.
const maxValueBytes = 1 << 20

// queryReadOnly runs query and returns every row (at most maxSearchRows) as a
// map from column name to value. The query runs on a connection whose SQLite
// authorizer admits only SELECT, table reads, function calls and recursive
// CTEs: the equivalent of a SELECT-only database role. Stacked statements
// still run (the driver executes scripts), but ATTACH, VACUUM INTO, PRAGMA and
// every write are refused, so the deliberate SQL injection in search cannot
// touch the host's files or destroy the sample data.
func (s *store) queryReadOnly(ctx context.Context, query string, args ...any) ([]map[string]any, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("getting a connection: %w", err)
	}
	defer conn.Close()
	if err := setAuthorizer(conn, readOnlyAuthorizer); err != nil {
		return nil, err
	}
	defer func() { _ = setAuthorizer(conn, nil) }()
	if _, err := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, maxValueBytes); err != nil {
		return nil, fmt.Errorf("limiting value length: %w", err)
	}

	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("query %q: reading columns: %w", query, err)
	}
	var out []map[string]any
	for rows.Next() && len(out) < maxSearchRows {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("query %q: scanning: %w", query, err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			row[c] = vals[i]
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query %q: %w", query, err)
	}
	return out, nil
}

// readOnlyAuthorizer admits the operations a SELECT needs and nothing else.
func readOnlyAuthorizer(action sqlite.AuthorizerActionCode, _, _, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	default:
		return sqlite.AuthorizerDeny
	}
}

// setAuthorizer installs fn (nil removes it) on conn's SQLite connection. When
// removal fails the connection is reported bad so the pool discards it rather
// than hand a read-only connection to a writer.
func setAuthorizer(conn *sql.Conn, fn sqlite.AuthorizerFn) error {
	err := conn.Raw(func(dc any) error {
		reg, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("sqlite connection %T has no authorizer", dc)
		}
		if err := reg.RegisterAuthorizer(fn); err != nil {
			if fn == nil {
				return driver.ErrBadConn
			}
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("setting the sqlite authorizer: %w", err)
	}
	return nil
}
