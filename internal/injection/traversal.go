package injection

import "strings"

// Path traversal and local file inclusion (CWE-22).
//
// What it catches: file names that climb out of the directory a server
// meant to serve ("../../etc/passwd", "..\\..\\windows\\win.ini",
// "..;/" for Tomcat), in any encoding the normalisers undo (%2e%2e%2f,
// %252e%252e%252f, %c0%ae%c0%ae/, ..%5c); absolute paths of files attackers
// read (/etc/passwd, /proc/self/environ, C:\Windows\win.ini, WEB-INF/web.xml);
// file:// URLs and PHP stream wrappers (php://filter, phar://, zip://); and
// NUL-byte truncation of an appended extension ("../x.php\x00.jpg").
//
// How: after normalisation the detector counts "../" and "..\\" steps and
// looks for a list of sensitive paths and wrappers in the folded text.
//
// False-positive care: a single "../" in the middle of text is how
// markdown links to a sibling document ("[docs](../README.md)"): it is a
// High-only hint. A value that starts with "../", two or more steps, or a
// step that only appears after decoding (nobody double-encodes dots by
// accident) count. Sensitive paths are strong: a security article quoting
// /etc/passwd will be flagged on fields that take such prose; exclude them.
//
// Tuning: disable "traversal" for routes whose values are legitimately
// relative paths (a file browser), or rely on Low there (one step passes).
var traversalDetector = detector{rule: ruleTraversal, contexts: valueContexts &^ setOf(JSONKey), detect: detectTraversal}

func detectTraversal(in *input, v *variant) hit {
	if !v.mask.any(cDot | cSlash | cBackslash | cColon) {
		return hit{}
	}
	var best hit
	s := v.fold
	if v.mask.any(cDot) {
		traversalSteps(in, s, v.steps, &best)
	}
	if best.score < scoreStrong && v.mask.any(cDot|cSlash) {
		dotSegments(s, &best)
	}
	if best.score < scoreStrong {
		findSensitivePaths(s, &best)
	}
	if best.score < scoreStrong && v.mask.any(cNUL) {
		nulTruncation(v.text, &best)
	}
	return best
}

// traversalSteps counts "../" and "..\\" (and "..;/") steps.
func traversalSteps(in *input, s string, steps stepSet, best *hit) {
	count, first, last := 0, -1, 0
	for i := strings.Index(s, ".."); i >= 0; {
		j := i + 2
		for j < len(s) && s[j] == '.' {
			j++ // "....//" survives filters that strip "../" once
		}
		k := j
		if k < len(s) && s[k] == ';' {
			k++ // Tomcat path parameters: "..;/"
		}
		step := k < len(s) && (s[k] == '/' || s[k] == '\\')
		// "/.." at the end climbs too.
		if !step && k == len(s) && i > 0 && (s[i-1] == '/' || s[i-1] == '\\') {
			step = true
		}
		if step {
			count++
			if first < 0 {
				first = i
			}
			last = min(k+1, len(s))
		}
		next := strings.Index(s[j:], "..")
		if next < 0 {
			break
		}
		i = j + next
	}
	if count == 0 {
		return
	}
	h := hit{start: first, end: last, inFold: true, reason: "dot-dot-slash"}
	// The value starts with the step (after slashes: "/../x" climbs from
	// the root), or a key=value does.
	atStart := strings.Trim(s[:first], "/\\ ") == ""
	if p := skipSpaceBack(s, first-1); p >= 0 && (s[p] == '=' || s[p] == ':') {
		atStart = true
	}
	switch {
	case count >= 2, steps&(stepURL|stepOverlong|stepHTML|stepJS) != 0, strings.Contains(s[first:last], ";"):
		h.score = scoreStrong
	case atStart:
		h.score = scoreLikely
	case in.high():
		h.score = scoreWeak
	}
	best.offer(h)
}

// hexDotNotations are traversal fuzzers' spellings of "." and separators
// as 0xHH text, which some hand-written decoders accept.
var hexDotNotations = []string{"0x2e0x2e", "..0x2f", "..0x5c", "0x2e0x2e0x2f", "0x2e0x2e0x5c"}

// dotSegments finds path segments made of three or more dots ("/...",
// which old Windows read as "../.."; trailing dots are also stripped
// there), runs of "./" segments ("/././././" to defeat length or pattern
// checks) and 0xHH-spelled dots: likely.
func dotSegments(s string, best *hit) {
	for _, n := range hexDotNotations {
		if i := strings.Index(s, n); i >= 0 {
			best.offer(hit{score: scoreLikely, start: i, end: i + len(n), inFold: true, reason: "encoded dot-dot"})
			return
		}
	}
	for i := strings.Index(s, "/..."); i >= 0; {
		j := i + 1
		for j < len(s) && s[j] == '.' {
			j++
		}
		dots := j - i - 1
		if dots >= 4 || (j < len(s) && (s[j] == '/' || s[j] == '\\')) {
			best.offer(hit{score: scoreLikely, start: i, end: j, inFold: true, reason: "dot segment"})
			return
		}
		next := strings.Index(s[j:], "/...")
		if next < 0 {
			break
		}
		i = j + next
	}
	if c := strings.Count(s, "./"); c >= 4 {
		if i := strings.Index(s, "/./"); i >= 0 && strings.Count(s, "/./")+strings.Count(s, "//./") >= 2 {
			best.offer(hit{score: scoreLikely, start: i, end: i + 3, inFold: true, reason: "dot segment"})
		}
	}
}

// sensitivePaths are files and locations attackers read, in lower case with
// forward slashes (a slash also matches a backslash), with the score each
// earns. A path that does not end in '/' must end at a word boundary, so
// "/.env" does not match "/.environment".
var sensitivePaths = []struct {
	path  string
	score int
}{
	{"/etc/passwd", scoreStrong}, {"/etc/shadow", scoreStrong}, {"/etc/group", scoreStrong},
	{"/etc/issue", scoreStrong}, {"/etc/master.passwd", scoreStrong}, {"/etc/sudoers", scoreStrong},
	{"/etc/crontab", scoreStrong}, {"/proc/self/", scoreStrong}, {"/proc/version", scoreStrong},
	{"/proc/cmdline", scoreStrong}, {"/proc/1/", scoreStrong}, {"/var/run/secrets/", scoreStrong},
	{"/.ssh/", scoreStrong}, {"/id_rsa", scoreStrong}, {"/.bash_history", scoreStrong},
	{"/.htpasswd", scoreStrong}, {"/.htaccess", scoreStrong}, {"/.git/config", scoreStrong},
	{"/.aws/credentials", scoreStrong}, {"/.docker/config.json", scoreStrong},
	{"c:/windows/", scoreStrong}, {"c:/winnt/", scoreStrong}, {"/windows/win.ini", scoreStrong},
	{"/windows/system32/", scoreStrong}, {"/win.ini", scoreStrong}, {"/boot.ini", scoreStrong},
	{"/system32/", scoreStrong}, {"web-inf/", scoreStrong}, {"meta-inf/", scoreStrong},
	{"/etc/hosts", scoreLikely}, {"/etc/hostname", scoreLikely}, {"/etc/resolv.conf", scoreLikely},
	{"/var/log/", scoreLikely}, {"/.env", scoreLikely},
	{"etc/passwd", scoreStrong}, {"etc/shadow", scoreStrong},
}

// sensitiveNames are Windows files no one sends for their own sake, even
// without a directory (a filter may have stripped the backslashes:
// "c:windowswin.ini").
var sensitiveNames = []string{"win.ini", "boot.ini", "system.ini"}

// fileWrappers are URL schemes that read local files or run code through a
// file API (file://, PHP stream wrappers).
var fileWrappers = []string{"file://", "php://filter", "php://input", "php://fd", "phar://", "zip://", "expect://", "glob://", "compress.zlib://"}

// findSensitivePaths finds sensitive absolute paths, Windows files and
// file wrappers. Paths are matched at each slash of s (anchored on the
// pattern's first slash), so the cost is the number of slashes times the
// number of patterns, not one search per pattern.
func findSensitivePaths(s string, best *hit) {
	if i := strings.Index(s, ".ini"); i >= 0 {
		for _, n := range sensitiveNames {
			start := i + 4 - len(n)
			if start >= 0 && s[start:i+4] == n && pathEnds(s, i+4, n) {
				best.offer(hit{score: scoreStrong, start: start, end: i + 4, inFold: true, reason: "sensitive path"})
				return
			}
		}
	}
	for p := 0; p < len(s); p++ {
		if s[p] != '/' && s[p] != '\\' {
			continue
		}
		for _, sp := range sensitivePaths {
			start := p - strings.IndexByte(sp.path, '/')
			if start < 0 || start+len(sp.path) > len(s) {
				continue
			}
			if pathEqual(s[start:start+len(sp.path)], sp.path) && pathEnds(s, start+len(sp.path), sp.path) {
				best.offer(hit{score: sp.score, start: start, end: start + len(sp.path), inFold: true, reason: "sensitive path"})
				if best.score >= scoreStrong {
					return
				}
			}
		}
	}
	for i := strings.Index(s, "://"); i >= 0; {
		for _, w := range fileWrappers {
			scheme := w[:strings.Index(w, "://")]
			start := i - len(scheme)
			if start >= 0 && s[start:i] == scheme && (start == 0 || !isAlpha(s[start-1])) && strings.HasPrefix(s[start:], w) {
				best.offer(hit{score: scoreStrong, start: start, end: start + len(w), inFold: true, reason: "file wrapper"})
				return
			}
		}
		next := strings.Index(s[i+3:], "://")
		if next < 0 {
			return
		}
		i += 3 + next
	}
}

// pathEnds reports whether a match of p ending at end is a whole path
// element: p ends in a slash, or the next byte is not part of a name.
func pathEnds(s string, end int, p string) bool {
	return p[len(p)-1] == '/' || end >= len(s) || !(isIdent(s[end]) || s[end] == '-')
}

// pathEqual compares a with the pattern p, a slash in p matching either
// slash in a.
func pathEqual(a, p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			if a[i] != '/' && a[i] != '\\' {
				return false
			}
		} else if a[i] != p[i] {
			return false
		}
	}
	return true
}

// nulTruncation finds a NUL followed by an extension: "x.php\x00.jpg",
// where C code stops at the NUL and sees "x.php" while the check saw .jpg.
func nulTruncation(s string, best *hit) {
	for i := strings.IndexByte(s, 0); i >= 0 && i+2 < len(s); {
		if s[i+1] == '.' && isAlpha(s[i+2]) {
			best.offer(hit{score: scoreLikely, start: i, end: i + 6, reason: "nul truncation"})
			return
		}
		next := strings.IndexByte(s[i+1:], 0)
		if next < 0 {
			return
		}
		i += 1 + next
	}
}
