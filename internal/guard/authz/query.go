package authz

import (
	"net/url"
	"strings"
)

// queryValues calls visit with every value the raw query string may give the
// parameter name, as any common upstream could read it, and reports false
// when the query cannot be decoded. An ownership check must hold for all of
// them, because HTTP parameter pollution ("?user=me&user=you") works by
// frameworks disagreeing on which copy wins (first, last, or both):
//   - pairs are split on "&", and also on ";" (older frameworks and the
//     W3C's 1999 recommendation treat it as a separator, Go does not);
//   - keys match case-insensitively (ASP.NET), with a "[]" or "[i]" suffix
//     (PHP and Rails arrays), and with ".", " " and a lone "[" read as "_"
//     (PHP's variable names: "user.id" is $_GET["user_id"]).
func queryValues(raw, name string, visit func(value string)) bool {
	if !scanQuery(raw, name, "&", visit) {
		return false
	}
	if strings.IndexByte(raw, ';') >= 0 {
		return scanQuery(raw, name, "&;", visit)
	}
	return true
}

// scanQuery splits raw on any byte of seps and visits the values of name.
func scanQuery(raw, name, seps string, visit func(string)) bool {
	for raw != "" {
		pair := raw
		if i := strings.IndexAny(raw, seps); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			raw = ""
		}
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return false
		}
		if !queryKeyMatches(k, name) {
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return false
		}
		visit(v)
	}
	return true
}

// queryKeyMatches reports whether an upstream may read key as name.
func queryKeyMatches(key, name string) bool {
	key, name = arrayBase(key), arrayBase(name)
	if len(key) != len(name) {
		return false
	}
	for i := 0; i < len(key); i++ {
		if foldQueryByte(key[i]) != foldQueryByte(name[i]) {
			return false
		}
	}
	return true
}

// arrayBase cuts an array suffix: "user_id[]" and "user_id[0]" are arrays
// named user_id in PHP and Rails.
func arrayBase(key string) string {
	if i := strings.IndexByte(key, '['); i > 0 && strings.IndexByte(key[i:], ']') > 0 {
		return key[:i]
	}
	return key
}

func foldQueryByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + ('a' - 'A')
	case c == '.' || c == ' ' || c == '[':
		return '_'
	}
	return c
}
