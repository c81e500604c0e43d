package injection

// charMask records which interesting bytes a string contains. It is computed
// in one pass per variant and lets each detector skip a value that cannot
// hold its syntax (no '{' means no template expression) without looking at
// it again: the fast path that keeps benign values cheap.
type charMask uint64

const (
	cPercent charMask = 1 << iota
	cPlus
	cAmp
	cBackslash
	cNUL
	cHigh     // a byte ≥ 0x80
	cUpper    // an ASCII capital
	cFoldWS   // whitespace other than single spaces (tab, CR, LF, runs)
	cQuote    // ' or "
	cBacktick // `
	cLT
	cGT
	cEq
	cSemi
	cPipe
	cDollar
	cLBrace
	cRBrace
	cParen // ( or )
	cStar
	cSlash
	cDot
	cColon
	cHash
	cDash
	cCRLF
	cBracket // [ or ]
	cUnderscore
	cAt
	cDigit
	cComma
	cExcl
	cTilde
	cCaret
	cQuestion
)

// cDecodable are the bytes that start an encoding some normaliser decodes.
const cDecodable = cPercent | cPlus | cAmp | cBackslash | cNUL | cHigh

var byteClass = func() (t [256]charMask) {
	set := func(cs string, m charMask) {
		for i := 0; i < len(cs); i++ {
			t[cs[i]] |= m
		}
	}
	set("%", cPercent)
	set("+", cPlus)
	set("&", cAmp)
	set("\\", cBackslash)
	set("\x00", cNUL)
	for c := 0x80; c < 0x100; c++ {
		t[c] |= cHigh
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= cUpper
	}
	set("\t\n\r\v\f", cFoldWS)
	set("'\"", cQuote)
	set("`", cBacktick)
	set("<", cLT)
	set(">", cGT)
	set("=", cEq)
	set(";", cSemi)
	set("|", cPipe)
	set("$", cDollar)
	set("{", cLBrace)
	set("}", cRBrace)
	set("()", cParen)
	set("*", cStar)
	set("/", cSlash)
	set(".", cDot)
	set(":", cColon)
	set("#", cHash)
	set("-", cDash)
	set("\r\n", cCRLF)
	set("[]", cBracket)
	set("_", cUnderscore)
	set("@", cAt)
	set("0123456789", cDigit)
	set(",", cComma)
	set("!", cExcl)
	set("~", cTilde)
	set("^", cCaret)
	set("?", cQuestion)
	return t
}()

// classify returns the charMask of s. Two spaces in a row also set cFoldWS,
// because folding would collapse them.
func classify(s string) charMask {
	var m charMask
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		m |= byteClass[c]
		if c == ' ' {
			if prevSpace {
				m |= cFoldWS
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return m
}

func (m charMask) any(bits charMask) bool { return m&bits != 0 }
