package injection

import "strings"

// LDAP injection (CWE-90).
//
// What it catches: values that rewrite an LDAP search filter they are
// pasted into, such as "(uid=" + input + ")": closing the assertion and
// adding an always-true or alternative one ("*)(uid=*))(|(uid=*",
// "admin)(&)", "x)(|(password=*)"), whole injected filters
// ("(objectClass=*)"), and NUL bytes that cut the rest of the filter off in
// C-based servers ("admin)\x00").
//
// How: LDAP filters are parenthesised prefix expressions, so the tell-tale
// is a closing parenthesis followed by an opening one and an operator or
// an attribute assertion: ")(|", ")(&", ")(!", "*)(", ")(attr=". A
// parenthesised "(attr=*)" presence test counts too.
//
// False-positive care: prose parentheses ("(see above) (2)") have no
// operator or "attr=" after ")(". A lone "*" is a wildcard search, which is
// normal in search fields, and never counts.
//
// Tuning: disable "ldapi" on routes that accept LDAP filters by design (a
// directory admin API).
var ldapiDetector = detector{rule: ruleLDAPi, contexts: valueContexts, detect: detectLDAPi}

func detectLDAPi(in *input, v *variant) hit {
	if !v.mask.any(cParen) {
		return hit{}
	}
	s := v.fold
	var best hit
	for i := strings.Index(s, ")("); i >= 0; {
		j := i + 2
		switch {
		case j < len(s) && (s[j] == '|' || s[j] == '&' || s[j] == '!'):
			best.offer(hit{score: scoreStrong, start: i, end: j + 1, inFold: true, reason: "filter operator"})
		case i > 0 && s[i-1] == '*':
			best.offer(hit{score: scoreStrong, start: i - 1, end: j, inFold: true, reason: "wildcard breakout"})
		case ldapAssertionAt(s, j):
			best.offer(hit{score: scoreLikely, start: i, end: j, inFold: true, reason: "filter breakout"})
		}
		if best.score >= scoreStrong {
			return best
		}
		next := strings.Index(s[i+2:], ")(")
		if next < 0 {
			break
		}
		i += 2 + next
	}
	if v.mask.any(cNUL) {
		for _, p := range []string{")\x00", "*\x00"} {
			if i := strings.Index(s, p); i >= 0 {
				best.offer(hit{score: scoreStrong, start: i, end: i + 2, inFold: true, reason: "nul in filter"})
				return best
			}
		}
	}
	if v.mask.any(cStar) {
		ldapPresence(s, &best)
	}
	if v.mask.any(cAmp|cPipe) && (strings.HasPrefix(s, "(&(") || strings.HasPrefix(s, "(|(")) && ldapAssertionAt(s, 3) {
		best.offer(hit{score: scoreLikely, start: 0, end: 3, inFold: true, reason: "injected filter"})
	}
	return best
}

// ldapAssertionAt reports whether s[i:] starts with an attribute assertion
// "attr=", "attr~=", "attr>=" or "attr<=" (an attribute name is letters,
// digits, '-' and ';' options, or a dotted OID).
func ldapAssertionAt(s string, i int) bool {
	j := i
	for j < len(s) && j-i < 64 && (isIdent(s[j]) || s[j] == '-' || s[j] == '.' || s[j] == ';') {
		j++
	}
	if j == i || j >= len(s) {
		return false
	}
	return s[j] == '=' || (j+1 < len(s) && s[j+1] == '=' && (s[j] == '~' || s[j] == '>' || s[j] == '<'))
}

// ldapPresence finds a parenthesised presence test "(attr=*)": likely,
// strong when the attribute is objectclass or a password attribute.
func ldapPresence(s string, best *hit) {
	for i := strings.Index(s, "=*)"); i >= 0; {
		j := i - 1
		for j >= 0 && i-j < 64 && (isIdent(s[j]) || s[j] == '-' || s[j] == '.') {
			j--
		}
		if j >= 0 && s[j] == '(' && j+1 < i {
			attr := s[j+1 : i]
			score := scoreLikely
			if attr == "objectclass" || strings.Contains(attr, "password") {
				score = scoreStrong
			}
			best.offer(hit{score: score, start: j, end: i + 3, inFold: true, reason: "presence filter"})
			if best.score >= scoreStrong {
				return
			}
		}
		next := strings.Index(s[i+3:], "=*)")
		if next < 0 {
			return
		}
		i += 3 + next
	}
}
