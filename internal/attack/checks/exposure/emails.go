package exposure

import (
	"regexp"
	"strings"
)

// emailText is a practical address pattern: it misses exotic RFC 5322
// forms, which APIs rarely store, and keeps false hits (file@2x.png) out by
// requiring a letter-only top-level domain of two or more letters.
var emailText = regexp.MustCompile(`[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b`)

// maxEmails bounds the addresses one body yields.
const maxEmails = 1000

// imageSuffixes end names like "logo@2x.png" that look like addresses.
var imageSuffixes = []string{".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}

// Emails returns the distinct email addresses in body, lower-cased, in
// order of appearance. Whether they are a leak depends on whose they are:
// the exposure check reports another user's address, or many.
func Emails(body []byte) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range emailText.FindAllString(string(body), maxEmails) {
		e = strings.ToLower(strings.Trim(e, "."))
		skip := seen[e]
		for _, suf := range imageSuffixes {
			skip = skip || strings.HasSuffix(e, suf)
		}
		if !skip {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}
