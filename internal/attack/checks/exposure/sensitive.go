package exposure

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
)

var (
	digitRun      = regexp.MustCompile(`(?:^|[^0-9])((?:[0-9][ -]?){12,18}[0-9])(?:$|[^0-9])`)
	ssnText       = regexp.MustCompile(`(?i)(?:ssn|social security)[^0-9]{0,32}\b([0-9]{3}-[0-9]{2}-[0-9]{4})\b`)
	ssnValue      = regexp.MustCompile(`^([0-9]{3})-?([0-9]{2})-?([0-9]{4})$`)
	jwtText       = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)
	awsKeyText    = regexp.MustCompile(`\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16})\b`)
	privateKey    = regexp.MustCompile(`-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----`)
	urlCredential = regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://([^/\s:@"']{1,64}):([^/\s@"']{3,128})@[^\s"']+`)
	cryptHash     = regexp.MustCompile(`^(?:\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$\S+|\$[156]\$(?:rounds=[0-9]+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{20,}|\$(?:scrypt|pbkdf2[-_a-z0-9]*)\$\S+|pbkdf2[-_]sha[0-9]+\$\S+|(?:bcrypt|argon2|scrypt)[-_]?\w*\$\S+|\{SSHA?\}\S+)$`)
	hexHash       = regexp.MustCompile(`^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$`)
	maskedValue   = regexp.MustCompile(`(?i)\*{3,}|x{4,}|•{3,}|redacted|masked|hidden|<secret>`)
)

// maxLeaves bounds the JSON values one body is analysed for.
const maxLeaves = 100_000

// SensitiveData finds card numbers (Luhn-checked, with an issuer prefix),
// CVVs, US social security numbers, JWTs, AWS access keys, private keys,
// credentials in URLs, password hashes and secret-named fields. A JSON body
// is walked value by value with each value's key as context; anything else
// is scanned as text. Email addresses are not here: whether one is a leak
// depends on whose it is (see Emails).
func SensitiveData(body []byte) []Match {
	var out matches
	if v, ok := decodeJSON(body); ok {
		leaves := 0
		walk(v, "", "", func(path, key string, val any) bool {
			leaves++
			out.value(path, key, val)
			return leaves < maxLeaves && !out.full()
		}, 0)
		return out.list
	}
	out.text("", string(body), true)
	return out.list
}

func decodeJSON(body []byte) (any, bool) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// walk calls fn for every scalar value with its path and key; fn returns
// false to stop.
func walk(v any, path, key string, fn func(path, key string, val any) bool, depth int) bool {
	if depth > 64 {
		return true
	}
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if !walk(c, p, k, fn, depth+1) {
				return false
			}
		}
	case []any:
		for _, c := range t {
			if !walk(c, path+"[]", key, fn, depth+1) {
				return false
			}
		}
	default:
		return fn(path, key, v)
	}
	return true
}

type matches struct {
	list  []Match
	seen  map[string]bool
	words map[string][]string // keyWords per key: a list repeats its keys
}

func (m *matches) keyWords(key string) []string {
	if w, ok := m.words[key]; ok {
		return w
	}
	if m.words == nil {
		m.words = map[string][]string{}
	}
	w := keyWords(key)
	if len(m.words) < 4096 {
		m.words[key] = w
	}
	return w
}

func (m *matches) full() bool { return len(m.list) >= maxMatches }

func (m *matches) add(k Kind, field, value, detail string) {
	if m.full() {
		return
	}
	id := string(k) + "\x00" + field + "\x00" + value
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if m.seen[id] {
		return
	}
	m.seen[id] = true
	m.list = append(m.list, Match{Kind: k, Field: field, Value: clip(value), Detail: detail})
}

// value analyses one JSON scalar.
func (m *matches) value(path, key string, val any) {
	words := m.keyWords(key)
	var s string
	switch t := val.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	default:
		return
	}
	if s == "" || masked(s) {
		return
	}
	switch {
	case cvvKey(words) && isDigits(s) && (len(s) == 3 || len(s) == 4):
		m.add(KindCVV, path, s, "card verification code")
		return
	case ssnKey(words):
		if validSSN(s) {
			m.add(KindSSN, path, s, "US social security number")
		}
		return
	case passwordKey(words):
		switch {
		case cryptHash.MatchString(s):
			m.add(KindPasswordHash, path, s, hashName(s))
		case hexHash.MatchString(s):
			m.add(KindPasswordHash, path, s, "unsalted hex digest")
		case !hasWord(words, "hash", "digest", "policy", "reset", "changed", "expired", "min", "max", "length", "required", "strength") &&
			len(s) >= 4 && !isBoolOrNumber(s):
			m.add(KindSecretField, path, s, "password in clear text")
		}
		return
	case hasWord(words, "hash", "digest") && cryptHash.MatchString(s):
		m.add(KindPasswordHash, path, s, hashName(s))
		return
	case secretKey(words) && len(s) >= 8 && !isBoolOrNumber(s):
		m.add(KindSecretField, path, s, "secret-named field")
		// still look inside: a DSN may hold a password in a URL
	}
	if cardKey(words) || !notCardKey(words) {
		m.cards(path, s, cardKey(words))
	}
	m.text(path, s, false)
}

// text runs the pattern detectors over free text (a non-JSON body, or
// one JSON string). Each regular expression runs only when a literal it
// needs is present: most values hold none, and the scan stays linear and
// cheap on large answers.
func (m *matches) text(field, s string, withCards bool) {
	if withCards {
		m.cards(field, s, false)
		if containsFold(s, "ssn") || containsFold(s, "social security") {
			for _, g := range ssnText.FindAllStringSubmatch(s, maxMatches) {
				if validSSN(g[1]) {
					m.add(KindSSN, field, g[1], "US social security number")
				}
			}
		}
	}
	if strings.Contains(s, "eyJ") {
		for _, t := range jwtText.FindAllString(s, maxMatches) {
			if isJWT(t) {
				m.add(KindJWT, field, t, "JSON Web Token")
			}
		}
	}
	if strings.Contains(s, "A") && (strings.Contains(s, "AKIA") || strings.Contains(s, "ASIA") || strings.Contains(s, "AGPA") ||
		strings.Contains(s, "AIDA") || strings.Contains(s, "AROA") || strings.Contains(s, "ANPA")) {
		for _, g := range awsKeyText.FindAllStringSubmatch(s, maxMatches) {
			m.add(KindAWSKey, field, g[1], "AWS access key id")
		}
	}
	if strings.Contains(s, "PRIVATE KEY-----") {
		if loc := privateKey.FindStringIndex(s); loc != nil {
			m.add(KindPrivateKey, field, s[loc[0]:min(len(s), loc[1]+64)], "PEM private key")
		}
	}
	if strings.Contains(s, "://") && strings.Contains(s, "@") {
		for _, g := range urlCredential.FindAllStringSubmatch(s, maxMatches) {
			if !maskedValue.MatchString(g[2]) {
				m.add(KindURLCredential, field, g[2], "password in a URL")
			}
		}
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}

// cards finds card numbers in s: s itself when it is one number, else
// digit runs inside it.
func (m *matches) cards(field, s string, keyed bool) {
	if d := stripSeparators(s); d != "" && len(s) <= 23 {
		if brand := cardBrand(d); brand != "" && luhn(d) {
			m.add(KindCard, field, s, brand)
		} else if keyed && len(d) >= 13 && len(d) <= 19 && luhn(d) && !sameDigits(d) {
			m.add(KindCard, field, s, "card number")
		}
		return
	}
	if digitCount(s) < 13 {
		return
	}
	for _, g := range digitRun.FindAllStringSubmatch(s, maxMatches) {
		d := stripSeparators(g[1])
		if brand := cardBrand(d); brand != "" && luhn(d) {
			m.add(KindCard, field, g[1], brand)
		}
	}
}

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// masked reports a value already hidden ("****1111", "[redacted]").
func masked(s string) bool {
	if !strings.ContainsAny(s, "*xX•") && !containsFold(s, "redacted") && !containsFold(s, "masked") &&
		!containsFold(s, "hidden") && !strings.Contains(s, "<secret>") {
		return false
	}
	return maskedValue.MatchString(s)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isBoolOrNumber(s string) bool {
	if s == "true" || s == "false" || s == "null" {
		return true
	}
	var f float64
	return json.Unmarshal([]byte(s), &f) == nil
}

// stripSeparators returns the digits of s when s is only digits with
// single spaces or dashes between them, else "".
func stripSeparators(s string) string {
	var b strings.Builder
	prevSep := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			prevSep = false
		case (c == ' ' || c == '-') && !prevSep:
			prevSep = true
		default:
			return ""
		}
	}
	if prevSep {
		return ""
	}
	return b.String()
}

func sameDigits(d string) bool { return strings.Count(d, d[:1]) == len(d) }

// luhn is the ISO/IEC 7812 check digit test.
func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// cardBrand names the issuer of a card number by its prefix and length
// (the major networks' published IIN ranges), or "" when none matches.
func cardBrand(d string) string {
	n := len(d)
	if n < 13 || n > 19 || sameDigits(d) {
		return ""
	}
	p2, p4 := atoi(d[:2]), atoi(d[:4])
	p3 := atoi(d[:3])
	switch {
	case d[0] == '4' && (n == 13 || n == 16 || n == 19):
		return "Visa"
	case (p2 >= 51 && p2 <= 55 || p4 >= 2221 && p4 <= 2720) && n == 16:
		return "Mastercard"
	case (p2 == 34 || p2 == 37) && n == 15:
		return "American Express"
	case (p4 == 6011 || p2 == 65 || p3 >= 644 && p3 <= 649) && n >= 16:
		return "Discover"
	case p4 >= 3528 && p4 <= 3589 && n >= 16:
		return "JCB"
	case (p3 >= 300 && p3 <= 305 || p2 == 36 || p2 == 38 || p2 == 39) && n >= 14:
		return "Diners Club"
	case p2 == 62 && n >= 16:
		return "UnionPay"
	}
	return ""
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// validSSN applies the Social Security Administration's rules: area not
// 000, 666 or 900–999; group not 00; serial not 0000.
func validSSN(s string) bool {
	g := ssnValue.FindStringSubmatch(s)
	if g == nil {
		return false
	}
	area, group, serial := atoi(g[1]), atoi(g[2]), atoi(g[3])
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

// isJWT checks that the first segment decodes to a JSON header with "alg".
func isJWT(t string) bool {
	head, _, _ := strings.Cut(t, ".")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	_, ok := h["alg"]
	return ok
}

func hashName(s string) string {
	switch {
	case strings.HasPrefix(s, "$2"):
		return "bcrypt hash"
	case strings.HasPrefix(s, "$argon2") || strings.HasPrefix(s, "argon2"):
		return "argon2 hash"
	case strings.Contains(s, "pbkdf2"):
		return "PBKDF2 hash"
	case strings.HasPrefix(s, "$1$"):
		return "MD5-crypt hash"
	case strings.HasPrefix(s, "$5$") || strings.HasPrefix(s, "$6$"):
		return "SHA-crypt hash"
	case strings.HasPrefix(s, "{SSHA}") || strings.HasPrefix(s, "{SHA}"):
		return "LDAP SHA hash"
	}
	return "password hash"
}
