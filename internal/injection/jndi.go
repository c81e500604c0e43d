package injection

import "strings"

// JNDI lookup injection, Log4Shell (CWE-917, CVE-2021-44228).
//
// What it catches: Log4j 2 message lookups that make a vulnerable logger
// fetch and run remote code: ${jndi:ldap://x/a}, and the same with rmi,
// ldaps, dns, iiop, corba, nds, nis or http, including the obfuscations
// Log4j itself evaluates: nested lookups with defaults (${::-j},
// ${env:NOPE:-j}), case lookups (${lower:J}, ${upper:n}), date patterns
// (${date:'j'}), in any combination and depth such as
// ${${lower:j}${::-n}di:${lower:l}dap://x}. Lookups that exfiltrate
// secrets through DNS without JNDI (${env:AWS_SECRET_ACCESS_KEY},
// ${sys:java.version} inside a host name) are likely.
//
// How: a small evaluator resolves nested lookups the way Log4j does
// (innermost first, bounded depth and work), then checks whether any lookup
// resolves to "jndi:…". Any value can reach a log line, so every context is
// read, headers (User-Agent, X-Api-Version) above all.
//
// False-positive care: "${name}" placeholders and shell variables do not
// resolve to a lookup prefix and pass.
//
// Tuning: there is no legitimate reason for a client to send a JNDI lookup;
// keep this rule on everywhere.
var jndiDetector = detector{rule: ruleJNDI, contexts: allContexts, detect: detectJNDI}

// maxLookupDepth bounds the nesting the evaluator follows; deeper "${" are
// kept as text.
const maxLookupDepth = 16

// exfilLookups are Log4j lookup prefixes that read the environment.
var exfilLookups = []string{"env:", "sys:", "java:", "main:", "ctx:", "docker:", "k8s:", "spring:", "web:", "bundle:", "log4j:", "marker:", "base64:"}

func detectJNDI(in *input, v *variant) hit {
	if !v.mask.any(cDollar) || !v.mask.any(cLBrace) {
		return hit{}
	}
	s := v.text
	first := strings.Index(s, "${")
	if first < 0 {
		return hit{}
	}
	if i := indexFold(s, "${jndi:"); i >= 0 {
		return hit{score: scoreStrong, start: i, end: i + 7, reason: "jndi lookup"}
	}
	// Evaluate lookups innermost first into a scratch buffer: out holds the
	// resolved text so far, starts the positions in out of open "${".
	out := in.sc.work[:0]
	var starts [maxLookupDepth]int
	depth, skipped := 0, 0
	var best hit
	for i := first; i < len(s); i++ {
		c := s[i]
		if c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if depth < maxLookupDepth {
				starts[depth] = len(out)
				depth++
				i++
				continue
			}
			skipped++
		}
		if c == '}' && depth > 0 && skipped == 0 {
			depth--
			body := view(out[starts[depth]:])
			if hasFoldAt(body, 0, "jndi:") {
				in.sc.work = out
				return hit{score: scoreStrong, start: first, end: i + 1, reason: "jndi lookup"}
			}
			for _, p := range exfilLookups {
				if hasFoldAt(body, 0, p) {
					best.offer(hit{score: scoreLikely, start: first, end: i + 1, reason: "log4j lookup"})
				}
			}
			out = append(out[:starts[depth]], resolveLookup(body)...)
			continue
		}
		if c == '}' && skipped > 0 {
			skipped--
		}
		out = append(out, c)
	}
	// An unterminated lookup that already resolves to jndi: is still
	// aimed at Log4j; the closing brace may arrive in another value.
	for d := 0; d < depth; d++ {
		if hasFoldAt(view(out[starts[d]:]), 0, "jndi:") {
			best.offer(hit{score: scoreStrong, start: first, end: len(s), reason: "jndi lookup"})
		}
	}
	in.sc.work = out
	return best
}

// resolveLookup returns what Log4j substitutes for the lookup body b
// (without "${" and "}"): the default after ":-" if there is one, the
// argument of lower:/upper:/date:'…', or nothing for other lookups whose
// value an attacker does not control. An unknown body without a colon
// resolves to nothing as well. The result is a slice of b or a constant.
func resolveLookup(b string) string {
	if i := strings.Index(b, ":-"); i >= 0 {
		return b[i+2:]
	}
	switch {
	case hasFoldAt(b, 0, "lower:"), hasFoldAt(b, 0, "upper:"):
		return b[6:] // case does not matter to the check, which folds
	case hasFoldAt(b, 0, "date:"):
		return strings.Trim(b[5:], "'")
	}
	return ""
}

// indexFold returns the index of the lower-case needle in s, ignoring
// ASCII case, or -1.
func indexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		if toLower(s[i]) == needle[0] && hasFoldAt(s, i, needle) {
			return i
		}
	}
	return -1
}
