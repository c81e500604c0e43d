package injection

import "testing"

func TestTraversal(t *testing.T) {
	runDetectCases(t, "traversal", []detectCase{
		{"dot dot slash", "../../etc/passwd", Query, 0, scoreStrong},
		{"backslashes", `..\..\windows\win.ini`, Query, 0, scoreStrong},
		{"encoded", "%2e%2e%2f%2e%2e%2fsecret", Query, 0, scoreStrong},
		{"double encoded", "%252e%252e%252fsecret", Query, 0, scoreStrong},
		{"overlong", "%c0%ae%c0%ae/%c0%ae%c0%ae/x", Query, 0, scoreStrong},
		{"tomcat", "..;/admin", Query, 0, scoreStrong},
		{"filter bypass", "....//....//x", Query, 0, scoreStrong},
		{"sensitive path", "/etc/shadow", Query, 0, scoreStrong},
		{"proc self", "/proc/self/environ", Query, 0, scoreStrong},
		{"windows path", "C:\\Windows\\System32\\drivers\\etc\\hosts", Query, 0, scoreStrong},
		{"web-inf", "WEB-INF/web.xml", Query, 0, scoreStrong},
		{"file url", "file:///c:/boot.ini", Query, 0, scoreStrong},
		{"php filter", "php://filter/convert.base64-encode/resource=index", Query, 0, scoreStrong},
		{"stripped separators", "c:windowswin.ini", Query, 0, scoreStrong},
		{"one step at start", "../config.yml", Query, 0, scoreLikely},
		{"root climb", "/../secret", Query, 0, scoreLikely},
		{"dot segment", "/....../x", Query, 0, scoreLikely},
		{"nul truncation", "report.php\x00.pdf", Query, 0, scoreLikely},
		{"one step in prose at high", "see [docs](../README.md)", JSONValue, High, scoreWeak},
		// Benign.
		{"markdown relative link", "see [docs](../README.md) for more", JSONValue, 0, 0},
		{"html relative link", `junk <a href="../">up</a>`, JSONValue, 0, 0},
		{"ellipsis", "wait... what?", JSONValue, 0, 0},
		{"url", "https://example.com/root/files/env.txt", JSONValue, 0, 0},
		{"environment word", "https://example.com/.environment", JSONValue, 0, 0},
		{"version", "v1.2.3", Query, 0, 0},
	})
}

func FuzzTraversal(f *testing.F) {
	fuzzDetector(f, &traversalDetector, "../../etc/passwd", "..\\..\\", "/..", "/....", "file://", "x\x00.jpg", ".ini", "0x2e0x2e")
}
