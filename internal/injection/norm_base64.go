package injection

import (
	"encoding/base64"
	"unicode/utf8"
)

// minBase64Len is the shortest value tried as base64: shorter strings are
// too often ordinary words or ids that happen to use the alphabet.
const minBase64Len = 16

// decodeBase64 appends to dst the decoding of src when src is plausibly
// base64 text and reports whether it decoded. Plausible means: at least 16
// bytes; only the standard or the URL-safe alphabet (not both); '=' only as
// final padding of a length that is a multiple of 4; a length that can be
// base64; and a decoding that is valid UTF-8 with at least 90% printable
// characters (text, not an image or random token bytes).
//
// Why: APIs pass base64 through to code that decodes it (filters, cursors,
// "data" fields, serialized objects), so an attack can arrive wrapped in it.
// Random tokens and binary blobs decode to mostly unprintable bytes and are
// left alone, which keeps this from producing noise.
//
// When it does not decode, the returned slice is dst (perhaps grown) with
// its original length, so a caller can keep the buffer.
//
// Bounds: output ≤ 3/4 of input, one pass to check, one to decode.
func decodeBase64(dst []byte, src string) ([]byte, bool) {
	enc, ok := base64Encoding(src)
	if !ok {
		return dst, false
	}
	start := len(dst)
	need := enc.DecodedLen(len(src))
	if cap(dst)-start < need {
		grown := make([]byte, start, start+need)
		copy(grown, dst)
		dst = grown
	}
	n, err := enc.Decode(dst[start:start+need], bytesOf(src))
	if err != nil || !mostlyPrintable(dst[start:start+n]) {
		return dst[:start], false
	}
	return dst[:start+n], true
}

// base64Encoding returns the encoding src is plausibly written in.
func base64Encoding(src string) (*base64.Encoding, bool) {
	if len(src) < minBase64Len {
		return nil, false
	}
	std, url, pad := false, false, 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case isAlpha(c) || isDigit(c):
			if pad > 0 {
				return nil, false
			}
		case c == '+' || c == '/':
			std = true
		case c == '-' || c == '_':
			url = true
		case c == '=':
			pad++
		default:
			return nil, false
		}
		if pad > 0 && !(c == '=') {
			return nil, false
		}
	}
	if std && url || pad > 2 || len(src)%4 == 1 || (pad > 0 && len(src)%4 != 0) {
		return nil, false
	}
	switch {
	case url && pad > 0:
		return base64.URLEncoding, true
	case url:
		return base64.RawURLEncoding, true
	case len(src)%4 == 0:
		return base64.StdEncoding, true
	default:
		return base64.RawStdEncoding, true
	}
}

// mostlyPrintable reports whether b is valid UTF-8 text with at least 90%
// printable characters (tab, CR and LF count as printable).
func mostlyPrintable(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	printable, total := 0, 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		i += size
		total++
		if (r >= 0x20 && r != 0x7F && !(r >= 0x80 && r < 0xA0)) || r == '\t' || r == '\n' || r == '\r' {
			printable++
		}
	}
	return printable*10 >= total*9
}
