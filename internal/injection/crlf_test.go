package injection

import "testing"

func TestCRLF(t *testing.T) {
	runDetectCases(t, "crlf", []detectCase{
		{"set-cookie", "x%0d%0aSet-Cookie: session=evil", Query, 0, scoreStrong},
		{"location", "/home\r\nLocation: https://evil.example", Header, 0, scoreStrong},
		{"status line", "x\r\n\r\nHTTP/1.1 200 OK", Query, 0, scoreStrong},
		{"body", "x\r\n\r\n<script>alert(1)</script>", Path, 0, scoreStrong},
		{"lf only", "x%0aSet-Cookie:a=b", Cookie, 0, scoreStrong},
		{"unknown header", "x\r\nX-Custom: 1", Query, 0, scoreLikely},
		{"unknown header lf at high", "x\nNote: 1", Query, High, scoreWeak},
		// Benign.
		{"multi-line json", "Line one\r\nNote: bring food", JSONValue, 0, 0},
		{"lf prose in query", "a\nNote: b", Query, 0, 0},
		{"plain header", "text/html; charset=utf-8", Header, 0, 0},
	})
}

func FuzzCRLF(f *testing.F) {
	fuzzDetector(f, &crlfDetector, "a\r\nSet-Cookie: x", "\n\n\n", "\r\nHTTP/1.1", "%0d%0a")
}
