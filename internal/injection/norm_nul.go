package injection

import "strings"

// removeNUL appends src to dst without its NUL bytes and reports whether
// there were any.
//
// Why: browsers and several parsers skip NUL bytes, so "<scr\x00ipt>" is
// "<script>" and "java\x00script:" is "javascript:" to them, while a filter
// comparing bytes sees neither. The engine keeps the variant with NULs too:
// a NUL is itself the attack in C-string truncation ("file.php\x00.jpg") and
// LDAP filters.
//
// Bounds: output ≤ input, one pass.
func removeNUL(dst []byte, src string) ([]byte, bool) {
	if strings.IndexByte(src, 0) < 0 {
		return append(dst, src...), false
	}
	for i := 0; i < len(src); i++ {
		if src[i] != 0 {
			dst = append(dst, src[i])
		}
	}
	return dst, true
}
