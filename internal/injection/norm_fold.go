package injection

// foldText appends src to dst in ASCII lower case with every run of
// whitespace (space, tab, CR, LF, VT, FF) collapsed to one space, and
// reports whether that changed anything.
//
// Why: SQL, shells and template engines ignore keyword case and the amount
// of whitespace between tokens, so "UnIoN\t\n SeLeCt" is "union select".
// Detectors that look for keywords read the folded text and compare with
// plain lower-case literals. Non-ASCII bytes are copied unchanged, so
// offsets into the folded text stay meaningful for snippets.
//
// Bounds: output ≤ input, one pass.
func foldText(dst []byte, src string) ([]byte, bool) {
	changed := false
	inSpace := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if isSpace(c) {
			if inSpace {
				changed = true
				continue
			}
			inSpace = true
			if c != ' ' {
				changed = true
			}
			dst = append(dst, ' ')
			continue
		}
		inSpace = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
			changed = true
		}
		dst = append(dst, c)
	}
	return dst, changed
}
