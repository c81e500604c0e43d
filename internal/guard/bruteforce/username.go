package bruteforce

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampartsec/rampart/internal/jsonptr"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// lookup is the result of reading a username from a request.
type lookup uint8

const (
	// userAbsent: no usable username (missing, not a string, empty, too
	// long, unreadable body). The attempt still counts per IP, network and
	// key.
	userAbsent lookup = iota
	// userFound: exactly one username.
	userFound
	// userAmbiguous: the request names the account more than once with
	// different values.
	userAmbiguous
)

// usernameOf reads the account name of r from the sources ep allows: basic
// auth, then a JSON body, then a form body (plus the URL query, which many
// form frameworks merge in). When it reads the body it puts back a replay
// of the bytes read, so the upstream receives the body unchanged.
func usernameOf(r *http.Request, ep *endpoint) (string, lookup) {
	if ep.basicAuth {
		if user, _, ok := r.BasicAuth(); ok {
			return user, userFound
		}
	}
	media := mediaType(r.Header.Get("Content-Type"))
	tryJSON := ep.jsonPath != nil && media != "application/x-www-form-urlencoded" && media != "multipart/form-data"
	tryForm := ep.formField != "" && media == "application/x-www-form-urlencoded"
	if !tryJSON && !tryForm {
		return "", userAbsent
	}
	body, ok := readBody(r)
	if tryForm {
		var vals []string
		if ok {
			// A malformed pair is skipped, as net/http's ParseForm does.
			form, _ := url.ParseQuery(string(body))
			vals = form[ep.formField]
		}
		return agree(append(vals, r.URL.Query()[ep.formField]...))
	}
	if !ok {
		return "", userAbsent
	}
	return jsonLookup(body, ep.jsonPath)
}

// agree turns the values a request gave for the username into one. Parsers
// disagree on repeated fields (Go's FormValue keeps the first, PHP the last;
// encoding/json the last), so a guard reading one value and an upstream
// another would count the attacker's guesses against a decoy account
// (CWE-436, interpretation conflict). Repeated values that differ are
// therefore ambiguous.
func agree(vals []string) (string, lookup) {
	if len(vals) == 0 {
		return "", userAbsent
	}
	for _, v := range vals[1:] {
		if v != vals[0] {
			return "", userAmbiguous
		}
	}
	return vals[0], userFound
}

// mediaType returns the lower-cased media type of a Content-Type value.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// readBody reads at most maxRequestBodyBytes of r's body and puts back a
// replay of what it read followed by the unread rest. It reports false when
// the body is absent, larger than the bound or failed to read.
func readBody(r *http.Request) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || r.ContentLength > maxRequestBodyBytes {
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBodyBytes+1))
	r.Body = pipeline.ReplayBody(body, err, r.Body)
	if err != nil || len(body) > maxRequestBodyBytes {
		return nil, false
	}
	return body, true
}

// jsonMatches collects the values found at the username's path.
type jsonMatches struct {
	vals []string
	// nonString counts matches that are not strings (numbers, objects...).
	nonString int
}

// jsonLookup finds the string at path in doc. Member names match
// case-insensitively, as encoding/json matches struct fields: an upstream
// written in Go accepts {"USERNAME": "alice"} for alice, and a guard
// matching exactly would count that guess against nobody. Every matching
// member is collected, so {"username": "decoy", "Username": "alice"} is
// ambiguous rather than read as whichever one this parser prefers. A syntax
// error ends the walk; what was found before it still counts, so trailing
// garbage that a lenient upstream ignores cannot hide the account.
func jsonLookup(doc []byte, path jsonptr.Pointer) (string, lookup) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var m jsonMatches
	_ = jsonptr.Visit(dec, path, func(tok json.Token) {
		if s, ok := tok.(string); ok {
			m.vals = append(m.vals, s)
		} else {
			m.nonString++
		}
	})
	switch {
	case m.nonString == 0:
		return agree(m.vals)
	case m.nonString == 1 && len(m.vals) == 0:
		// {"username": {"$ne": null}} and friends: no account to count.
		return "", userAbsent
	}
	return "", userAmbiguous
}
