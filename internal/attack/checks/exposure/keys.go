package exposure

import (
	"strings"
	"unicode"
)

// keyWords splits a JSON key into lower-case words: "cardNumber",
// "card_number" and "card-number" all give [card number].
func keyWords(key string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	prevLower := false
	for _, r := range key {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				flush()
			}
			cur.WriteRune(unicode.ToLower(r))
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
			prevLower = true
		default:
			flush()
			prevLower = false
		}
		if len(words) > 16 {
			break
		}
	}
	flush()
	return words
}

func hasWord(words []string, any ...string) bool {
	for _, w := range words {
		for _, a := range any {
			if w == a {
				return true
			}
		}
	}
	return false
}

// cardKey: the key names a card number, so a Luhn-valid value there is
// one even without a brand prefix check passing loosely.
func cardKey(words []string) bool {
	return hasWord(words, "card", "pan", "cc", "ccnum", "cardnumber", "creditcard", "credit")
}

// notCardKey: keys whose long digit runs are ids, times, phone numbers or
// amounts; a Luhn hit there is chance (one in ten).
func notCardKey(words []string) bool {
	return hasWord(words, "id", "ids", "uuid", "time", "timestamp", "ts", "date", "epoch", "at",
		"created", "updated", "expires", "phone", "tel", "mobile", "msisdn", "imei", "iccid",
		"nonce", "serial", "seq", "version", "amount", "price", "total", "count", "size", "bytes",
		"gtin", "ean", "upc", "isbn", "barcode", "tracking", "duration", "ms", "ns", "alloc", "heap")
}

func cvvKey(words []string) bool {
	return hasWord(words, "cvv", "cvv2", "cvc", "cvc2", "csc", "cid", "cvn") ||
		(hasWord(words, "security") && hasWord(words, "code")) ||
		(hasWord(words, "verification") && hasWord(words, "card"))
}

func ssnKey(words []string) bool {
	return hasWord(words, "ssn", "ssnumber") || (hasWord(words, "social") && hasWord(words, "security"))
}

func passwordKey(words []string) bool {
	return hasWord(words, "password", "passwd", "pwd", "pass", "passphrase", "pw")
}

// secretKey: fields whose value is a credential. Tokens that a client is
// meant to hold (pagination cursors, CSRF tokens) and public halves of key
// pairs are not secrets.
func secretKey(words []string) bool {
	if hasWord(words, "public", "pub", "page", "next", "cursor", "continuation", "csrf", "xsrf",
		"idempotency", "type", "expires", "expiry", "id", "url", "uri", "name", "hint", "length", "count", "set") {
		return false
	}
	if hasWord(words, "secret", "secrets", "apikey", "privatekey", "accesskey", "secretkey", "signingkey", "dsn") {
		return true
	}
	if hasWord(words, "key") && hasWord(words, "api", "private", "access", "signing", "secret", "session", "encryption", "master", "hmac", "jwt") {
		return true
	}
	if hasWord(words, "token") && hasWord(words, "access", "refresh", "auth", "api", "bearer", "session", "id") {
		return true
	}
	if hasWord(words, "connection") && hasWord(words, "string") {
		return true
	}
	return false
}
