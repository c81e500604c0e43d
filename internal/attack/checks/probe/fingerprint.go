package probe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// maxNormalise bounds how much of a body is normalised: two pages that agree
// on their first 64 KiB are the same page for every comparison made here.
const maxNormalise = 64 << 10

var (
	// uuidOrHex matches ids that differ between two answers of the same
	// page: UUIDs, request ids, hashes, hex nonces.
	uuidOrHex = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{8,}\b`)
	digits    = regexp.MustCompile(`[0-9]+`)
	spaces    = regexp.MustCompile(`\s+`)
)

// Normalise rewrites body so that two answers of the same page compare
// equal: every echo (typically the requested path, which a not-found page
// repeats) becomes "{echo}", hex ids and UUIDs "{id}", digit runs "0", and
// whitespace runs one space. Only the first 64 KiB count.
func Normalise(body []byte, echoes ...string) string {
	if len(body) > maxNormalise {
		body = body[:maxNormalise]
	}
	s := string(body)
	for _, e := range echoVariants(echoes) {
		s = strings.ReplaceAll(s, e, "{echo}")
	}
	s = uuidOrHex.ReplaceAllString(s, "{id}")
	s = digits.ReplaceAllString(s, "0")
	s = spaces.ReplaceAllString(s, " ")
	return strings.TrimSpace(s)
}

// echoVariants lists the forms in which a server may repeat a path: as
// sent, unescaped, HTML- or JSON-escaped, and its last segment; longest
// first, so that the whole path is replaced before its parts.
func echoVariants(echoes []string) []string {
	var out []string
	add := func(v string) {
		if len(v) >= 4 && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, e := range echoes {
		add(e)
		if u, err := url.PathUnescape(e); err == nil {
			add(u)
		}
		add(strings.ReplaceAll(e, "/", `\/`))
		add(strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(e))
		if i := strings.LastIndexByte(strings.TrimRight(e, "/"), '/'); i >= 0 {
			add(strings.TrimRight(e, "/")[i+1:])
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Fingerprint is a short hash of the normalised body.
func Fingerprint(body []byte, echoes ...string) string {
	sum := sha256.Sum256([]byte(Normalise(body, echoes...)))
	return hex.EncodeToString(sum[:8])
}

// LengthBucket groups body lengths so that answers differing by a few bytes
// (a longer id, another date) fall in the same bucket: 0, then 1–63 in one
// bucket, then buckets growing by a quarter.
func LengthBucket(n int) int {
	if n <= 0 {
		return 0
	}
	b := 1
	for limit := 64; n >= limit; limit += limit / 4 {
		b++
	}
	return b
}

// SameContent reports whether a and b are the same resource as the client
// sees it: the same normalised body, or JSON documents with the same set of
// key paths (two reads of a list whose entries changed in between). Empty
// bodies are never the same content: there is nothing to compare.
func SameContent(a, b []byte) bool {
	if len(bytes.TrimSpace(a)) == 0 || len(bytes.TrimSpace(b)) == 0 {
		return false
	}
	if Normalise(a) == Normalise(b) {
		return true
	}
	ka, okA := JSONKeys(a)
	kb, okB := JSONKeys(b)
	return okA && okB && len(ka) > 0 && slices.Equal(ka, kb)
}

// maxJSONKeys bounds the key paths JSONKeys collects.
const maxJSONKeys = 2000

// JSONKeys returns the sorted, distinct key paths of a JSON document
// ("orders[].card_number"), or false when body is not JSON. Arrays
// contribute their elements' keys once, whatever their length.
func JSONKeys(body []byte) ([]string, bool) {
	if len(body) > maxNormalise*16 {
		return nil, false
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, false
	}
	set := map[string]bool{}
	walkKeys(v, "", set, 0)
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, true
}

func walkKeys(v any, prefix string, set map[string]bool, depth int) {
	if depth > 32 || len(set) >= maxJSONKeys {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if len(set) >= maxJSONKeys {
				return
			}
			set[p] = true
			walkKeys(c, p, set, depth+1)
		}
	case []any:
		for _, c := range t {
			walkKeys(c, prefix+"[]", set, depth+1)
		}
	}
}

// similarity is the Jaccard index of the word sets of two normalised
// bodies: 1 for the same words, 0 for none in common.
func similarity(a, b string) float64 {
	wa, wb := words(a), words(b)
	if len(wa) == 0 && len(wb) == 0 {
		return 1
	}
	inter := 0
	for w := range wa {
		if wb[w] {
			inter++
		}
	}
	union := len(wa) + len(wb) - inter
	return float64(inter) / float64(union)
}

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '{' || r == '}' || r == '_')
	}) {
		if len(out) >= 4096 {
			break
		}
		out[w] = true
	}
	return out
}
