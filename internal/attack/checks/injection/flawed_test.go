package injection

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"text/template"
	"time"

	_ "modernc.org/sqlite" // a real database for the blind SQL injection

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// The handlers below have real flaws, each next to a safe twin that does
// the same job correctly: the checks must report the first and not the
// second. None recognises payloads; the flaw is in what they do.

// docs is a naive document store: the filter comes from the request and
// is matched the way a Mongo driver would, operators included.
type docs []map[string]any

var products = docs{
	{"name": "go book", "category": "books"},
	{"name": "rust book", "category": "books"},
	{"name": "kettle", "category": "kitchen"},
	{"name": "lamp", "category": "home"},
}

var accounts = docs{{"username": "admin", "password": "s3cret-admin"}, {"username": "ann", "password": "ann-pass"}}

// find returns the documents matching every condition. A condition is a
// value (equality) or an object of operators; an object that holds no
// operator is compared as a value, which never equals a string.
func (d docs) find(filter map[string]any) []map[string]any {
	var out []map[string]any
	for _, doc := range d {
		ok := true
		for field, cond := range filter {
			ok = ok && matches(doc[field], cond)
		}
		if ok {
			out = append(out, doc)
		}
	}
	return out
}

func matches(v, cond any) bool {
	ops, isObj := cond.(map[string]any)
	if !isObj {
		return v == cond
	}
	if len(ops) == 0 {
		return false
	}
	for op, arg := range ops {
		s, _ := v.(string)
		a, _ := arg.(string)
		switch op {
		case "$ne":
			if v == arg {
				return false
			}
		case "$gt":
			if s <= a {
				return false
			}
		case "$eq":
			if v != arg {
				return false
			}
		default:
			return false // not an operator: an embedded document, never equal to a string
		}
	}
	return true
}

// qsFilter parses a query string the way the qs package does for Express:
// "category[$ne]=x" becomes {"category": {"$ne": "x"}}.
func qsFilter(r *http.Request) map[string]any {
	f := map[string]any{}
	for k, vs := range r.URL.Query() {
		if name, op, ok := strings.Cut(k, "["); ok && strings.HasSuffix(op, "]") {
			f[name] = map[string]any{strings.TrimSuffix(op, "]"): vs[0]}
			continue
		}
		f[k] = vs[0]
	}
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func flawedMux(t *testing.T) http.Handler {
	t.Helper()
	mux := http.NewServeMux()

	// NoSQL: the whole parsed query is the filter.
	mux.HandleFunc("GET /products", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"products": products.find(qsFilter(r))})
	})
	mux.HandleFunc("GET /safe/products", func(w http.ResponseWriter, r *http.Request) {
		f := map[string]any{}
		if c := r.URL.Query().Get("category"); c != "" {
			f["category"] = c
		}
		writeJSON(w, 200, map[string]any{"products": products.find(f)})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if json.NewDecoder(r.Body).Decode(&in) != nil {
			writeJSON(w, 400, map[string]string{"error": "bad json"})
			return
		}
		if len(accounts.find(map[string]any{"username": in["username"], "password": in["password"]})) == 0 {
			writeJSON(w, 401, map[string]string{"error": "invalid credentials"})
			return
		}
		writeJSON(w, 200, map[string]string{"token": "t0k3n"})
	})

	// Template injection: the input becomes template source.
	mux.HandleFunc("GET /greet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		tpl, err := template.New("g").Parse("Hello " + r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, "bad template", 400)
			return
		}
		_ = tpl.Execute(w, nil)
	})
	mux.HandleFunc("GET /safe/greet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_ = template.Must(template.New("g").Parse("Hello {{.}}")).Execute(w, r.URL.Query().Get("name"))
	})

	// Command injection: the input is pasted into a shell command line.
	dir := t.TempDir()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", "echo pinging "+r.URL.Query().Get("host"))
		cmd.Dir, cmd.Env = dir, []string{"PATH=/usr/bin:/bin"}
		out, _ := cmd.CombinedOutput()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(out)
	})
	mux.HandleFunc("GET /safe/ping", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "echo", "pinging", r.URL.Query().Get("host"))
		cmd.Dir, cmd.Env = dir, []string{"PATH=/usr/bin:/bin"}
		out, _ := cmd.CombinedOutput()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(out)
	})

	// Blind SQL injection: errors are swallowed, so only the answer's
	// content tells true from false.
	db, err := sql.Open("sqlite", "file:blind-"+t.Name()+"?mode=memory&cache=shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE books (title TEXT, genre TEXT);
		INSERT INTO books VALUES ('dune', 'scifi'), ('emma', 'classic'), ('neuromancer', 'scifi');`); err != nil {
		t.Fatal(err)
	}
	list := func(w http.ResponseWriter, r *http.Request, query string, args ...any) {
		titles := []string{}
		rows, err := db.QueryContext(r.Context(), query, args...)
		if err == nil {
			for rows.Next() {
				var s string
				if rows.Scan(&s) == nil {
					titles = append(titles, s)
				}
			}
			rows.Close()
		}
		sort.Strings(titles)
		writeJSON(w, 200, map[string]any{"titles": titles})
	}
	mux.HandleFunc("GET /books", func(w http.ResponseWriter, r *http.Request) {
		list(w, r, "SELECT title FROM books WHERE genre = '"+r.URL.Query().Get("genre")+"'")
	})
	mux.HandleFunc("GET /safe/books", func(w http.ResponseWriter, r *http.Request) {
		list(w, r, "SELECT title FROM books WHERE genre = ?", r.URL.Query().Get("genre"))
	})
	return mux
}

func queryOp(path, name, example string) core.Operation {
	return core.Operation{Method: "GET", Path: path, Params: []core.Param{{Name: name, In: "query", Type: "string", Required: true, Example: example}}}
}

func flawedOps() []core.Operation {
	var ops []core.Operation
	for _, prefix := range []string{"", "/safe"} {
		ops = append(ops,
			queryOp(prefix+"/products", "category", "books"),
			queryOp(prefix+"/greet", "name", "ann"),
			queryOp(prefix+"/ping", "host", "localhost"),
			queryOp(prefix+"/books", "genre", "scifi"),
		)
	}
	return append(ops, core.Operation{Method: "POST", Path: "/login", Body: &core.Body{
		MediaType: "application/json",
		Example:   map[string]any{"username": "admin", "password": "wrong"},
		Fields:    []core.Param{{Name: "username", In: "body", Type: "string", Required: true}, {Name: "password", In: "body", Type: "string", Required: true}},
	}})
}

// TestChecksAgainstFlawedHandlers runs every injection check against all
// the handlers: each flaw is found by its own check only, and no safe twin
// is reported.
func TestChecksAgainstFlawedHandlers(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the command injection handler")
	}
	c := checktest.Serve(t, flawedMux(t))
	s := checktest.Scan(t, core.Config{Target: c.URL, Operations: flawedOps()})
	checktest.Run(t, s, Checks()...)

	got := byParam(s.Findings())
	want := map[string]string{
		"injection.nosqli GET /products query.category": "$ne matches everything",
		"injection.nosqli POST /login body./password":   "$ne matches everything",
		"injection.ssti GET /greet query.name":          "evaluated",
		"injection.cmdi GET /ping query.host":           "the shell computed",
		"injection.sqli GET /books query.genre":         "always-false",
	}
	for k, note := range want {
		f, ok := got[k]
		if !ok {
			t.Errorf("missing %s", k)
			continue
		}
		checkEvidence(t, f)
		if !strings.Contains(f.Evidence[0].Note, note) {
			t.Errorf("%s: first evidence note %q, want %q", k, f.Evidence[0].Note, note)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected finding %s: %s", k, got[k].Description)
		}
	}
	// The login bypass is an auth bypass: 401 became 200.
	if f, ok := got["injection.nosqli POST /login body./password"]; ok && !strings.Contains(f.Description, "(401) becomes 200") {
		t.Errorf("login finding description: %s", f.Description)
	}
}
