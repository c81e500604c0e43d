package injection

import "unicode/utf8"

// decodeURL appends to dst one round of percent-decoding of src and reports
// whether anything was decoded. It decodes %HH, the IIS-style %uHHHH (a
// UTF-16 code unit, written out as UTF-8) and '+' as a space, and copies
// malformed escapes unchanged.
//
// Why: a value that the caller already percent-decoded once can still carry
// a second layer (%2527 → %27 → ') that a backend which decodes again will
// see; attackers encode twice precisely to get past single-decoding filters.
// The engine calls this up to three times, stopping when a round changes
// nothing.
//
// Bounds: output ≤ input (every escape shrinks), one pass, no allocation
// beyond dst's growth.
func decodeURL(dst []byte, src string) ([]byte, bool) {
	changed := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '+':
			dst = append(dst, ' ')
			changed = true
		case c == '%' && i+2 < len(src) && isHex(src[i+1]) && isHex(src[i+2]):
			dst = append(dst, hexVal(src[i+1])<<4|hexVal(src[i+2]))
			i += 2
			changed = true
		case c == '%' && i+5 < len(src) && (src[i+1]|0x20) == 'u' &&
			isHex(src[i+2]) && isHex(src[i+3]) && isHex(src[i+4]) && isHex(src[i+5]):
			r := rune(hexVal(src[i+2]))<<12 | rune(hexVal(src[i+3]))<<8 | rune(hexVal(src[i+4]))<<4 | rune(hexVal(src[i+5]))
			dst = utf8.AppendRune(dst, r) // surrogates become U+FFFD
			i += 5
			changed = true
		default:
			dst = append(dst, c)
		}
	}
	return dst, changed
}
