package injection

import "strings"

// Redaction of evidence. Events go to log files, SIEMs and webhooks, which
// must never receive a credential, and whose line-based formats must not be
// forged by a payload carrying CR/LF (CWE-117).

// redactedSnippet stands for the snippet of an input that holds secrets.
const redactedSnippet = "[redacted]"

// Longest evidence values, in bytes before escaping.
const (
	maxLocationLen = 128
	maxSnippetLen  = 96
)

// secretNames are parts of input names whose values are secrets: a false
// positive on a password field must not copy the password into an Event.
var secretNames = []string{
	"pass", "pwd", "secret", "token", "authorization", "session", "cookie", "apikey", "api_key", "api-key",
	"credential", "private_key", "privatekey", "signature", "otp", "cvv", "cvc", "card_number", "cardnumber",
	"iban", "ssn",
}

// secretLocation reports whether the input at loc (its name after the
// source prefix) holds secrets. Every cookie does: cookies are sessions.
func secretLocation(loc string) bool {
	if strings.HasPrefix(loc, "cookie.") || loc == "cookie" {
		return true
	}
	_, name, _ := strings.Cut(loc, ".")
	name = strings.ToLower(name)
	for _, s := range secretNames {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// redactSnippet makes a snippet fit for an Event: none for a secret input,
// else escaped and cut (unless the engine already did: the native engine's
// snippets arrive as windows of at most 64 bytes, escaped) with long digit
// runs masked (card and account numbers).
func redactSnippet(snippet, loc string, escaped bool) string {
	if secretLocation(loc) {
		return redactedSnippet
	}
	if !escaped {
		snippet = escape(snippet, maxSnippetLen)
	}
	return maskDigits(snippet)
}

// escape keeps printable ASCII, writes other bytes (control characters,
// CR/LF, non-ASCII) as \xHH and a backslash as \\, and cuts s at max bytes
// with "…".
func escape(s string, max int) string {
	clean := len(s) <= max
	for i := 0; clean && i < len(s); i++ {
		clean = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\'
	}
	if clean {
		return s
	}
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(min(len(s), max) + 8)
	for i := 0; i < len(s) && i < max; i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteString(`\x`)
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&0xf])
		}
	}
	if len(s) > max {
		b.WriteString("…")
	}
	return b.String()
}

// minMaskedDigits is the shortest digit run maskDigits hides: payment
// card numbers have 12 to 19 digits; shorter runs (ids, 1=1) are evidence.
const minMaskedDigits = 12

// maskDigits replaces every run of at least minMaskedDigits digits with '#'.
func maskDigits(s string) string {
	var out []byte
	run := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		if run >= minMaskedDigits {
			if out == nil {
				out = []byte(s)
			}
			for j := i - run; j < i; j++ {
				out[j] = '#'
			}
		}
		run = 0
	}
	if out == nil {
		return s
	}
	return string(out)
}

// cleanLocation escapes and cuts an input location (names are chosen by
// the client) for evidence.
func cleanLocation(loc string) string { return escape(loc, maxLocationLen) }
