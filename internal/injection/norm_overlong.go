package injection

import "unicode/utf8"

// decodeOverlong appends src to dst with overlong UTF-8 sequences replaced
// by the characters they encode, and reports whether it replaced any.
//
// Why: UTF-8 forbids encoding a character with more bytes than needed, but
// lenient decoders (old IIS, some Java and PHP code) accept C0 AF as '/' and
// E0 80 AE as '.', so "%c0%ae%c0%ae%c0%af" walks up a directory on such a
// backend while a filter looking for "../" sees nothing. The result is
// re-encoded in its shortest form, so ASCII comes out as ASCII.
//
// Handled: 2-byte C0/C1 xx, 3-byte E0 80..9F xx, 4-byte F0 80..8F xx xx.
// Anything else, valid or not, is copied unchanged.
//
// Bounds: output ≤ input, one pass.
func decodeOverlong(dst []byte, src string) ([]byte, bool) {
	changed := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case (c == 0xC0 || c == 0xC1) && i+1 < len(src) && isCont(src[i+1]):
			dst = append(dst, (c&0x1F)<<6|src[i+1]&0x3F)
			i++
			changed = true
		case c == 0xE0 && i+2 < len(src) && src[i+1] >= 0x80 && src[i+1] <= 0x9F && isCont(src[i+2]):
			r := rune(src[i+1]&0x3F)<<6 | rune(src[i+2]&0x3F)
			dst = utf8.AppendRune(dst, r)
			i += 2
			changed = true
		case c == 0xF0 && i+3 < len(src) && src[i+1] >= 0x80 && src[i+1] <= 0x8F && isCont(src[i+2]) && isCont(src[i+3]):
			r := rune(src[i+1]&0x3F)<<12 | rune(src[i+2]&0x3F)<<6 | rune(src[i+3]&0x3F)
			dst = utf8.AppendRune(dst, r)
			i += 3
			changed = true
		default:
			dst = append(dst, c)
		}
	}
	return dst, changed
}

func isCont(c byte) bool { return c&0xC0 == 0x80 }
