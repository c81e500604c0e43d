package injection

import "testing"

func TestXSS(t *testing.T) {
	runDetectCases(t, "xss", []detectCase{
		{"script tag", "<script>alert(1)</script>", Query, 0, scoreStrong},
		{"svg onload", "<svg/onload=alert(1)>", Query, 0, scoreStrong},
		{"img onerror", `<img src=x onerror="alert(1)">`, JSONValue, 0, scoreStrong},
		{"attribute breakout", `" onmouseover="alert(1)`, Query, 0, scoreStrong},
		{"javascript url", "javascript:alert(document.cookie)", Query, 0, scoreStrong},
		{"javascript url with tab", "java\tscript:alert(1)", Query, 0, scoreStrong},
		{"vbscript url", "vbscript:msgbox(1)", Query, 0, scoreStrong},
		{"data url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", Query, 0, scoreStrong},
		{"markdown script link", "[click](javascript:alert(1))", JSONValue, 0, scoreStrong},
		{"entity encoded", "&lt;script&gt;alert(1)&lt;/script&gt;", JSONValue, 0, scoreStrong},
		{"entity scheme", "&#106;avascript&colon;alert(1)", Query, 0, scoreStrong},
		{"js escaped tag", `\x3cscript\x3ealert(1)\x3c/script\x3e`, JSONValue, 0, scoreStrong},
		{"nul inside tag", "<scr\x00ipt>alert(1)</script>", Query, 0, scoreStrong},
		{"base64 script", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", Query, 0, scoreStrong},
		{"iframe", `<iframe src="https://evil.example/x"></iframe>`, JSONValue, 0, scoreStrong},
		{"layer", `<layer src="https://evil.example/x"></layer>`, JSONValue, 0, scoreLikely},
		{"title breakout", "x</title><b>hi", Query, 0, scoreLikely},
		{"call glued to markup", `"alert(1)">`, Query, 0, scoreLikely},
		{"javascript word in prose at high", "I like javascript: it is fast", JSONValue, High, scoreWeak},
		// Benign.
		{"bold markup", "<b>bold</b> and <i>italic</i>", JSONValue, 0, 0},
		{"link", `<a href="https://example.com/page">page</a>`, JSONValue, 0, 0},
		{"comparison code", "if (a < b) { return; }", JSONValue, 0, 0},
		{"less than prose", "p95 < 200ms and p99 > 1s", JSONValue, 0, 0},
		{"javascript in prose", "I like javascript: it is fast", JSONValue, 0, 0},
		{"onward word", `He said "go" onward = forward`, JSONValue, 0, 0},
		{"markdown", "# Title\n\n*list* and `code`, see https://example.com", JSONValue, 0, 0},
		{"equation", "E=mc2 and x=y", JSONValue, 0, 0},
	})
}

func FuzzXSS(f *testing.F) {
	fuzzDetector(f, &xssDetector, "<script>", "<svg/onload=x>", "javascript:alert(1)", `" onclick="x`, "<a <a <a", "java\tscript:")
}
