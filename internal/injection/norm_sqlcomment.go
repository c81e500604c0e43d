package injection

import "strings"

// stripSQLComments appends src to dst with SQL comments removed and reports
// whether it removed any: /* … */ becomes one space (a comment separates
// tokens, so "UNION/**/SELECT" is "UNION SELECT"), MySQL's executable
// comments /*! … */ and /*!50000 … */ keep their content (MySQL runs it)
// with a space for each marker,
// and "-- " (two dashes then whitespace, a control byte or the end) and
// "#" comment out the rest of the line.
//
// Why: comments are the classic way to break up keywords a filter looks for
// ("UN/**/ION SEL/**/ECT", "/*!UNION*/"). The result only feeds the SQL
// injection detector, because "#" and "--" mean other things elsewhere.
//
// Bounds: output ≤ input, one pass; an unterminated /* runs to the end.
func stripSQLComments(dst []byte, src string) ([]byte, bool) {
	changed := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			changed = true
			if i+2 < len(src) && src[i+2] == '!' {
				dst = append(dst, ' ') // the marker still separates tokens
				i += 3
				for i < len(src) && isDigit(src[i]) {
					i++
				}
				i-- // the loop's i++ moves to the content, which is kept
				continue
			}
			end := indexFrom(src, "*/", i+2)
			if end < 0 {
				return append(dst, ' '), true
			}
			dst = append(dst, ' ')
			i = end + 1
		case c == '*' && i+1 < len(src) && src[i+1] == '/':
			// The end of an executable comment whose start was dropped.
			dst = append(dst, ' ')
			i++
			changed = true
		case c == '#' || (c == '-' && i+1 < len(src) && src[i+1] == '-' && (i+2 == len(src) || src[i+2] <= ' ')):
			changed = true
			for i < len(src) && src[i] != '\n' {
				i++
			}
			if i < len(src) {
				dst = append(dst, '\n')
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst, changed
}

// indexFrom returns the index of sub in s at or after from, or -1.
func indexFrom(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	i := strings.Index(s[from:], sub)
	if i < 0 {
		return -1
	}
	return from + i
}
