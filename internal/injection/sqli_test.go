package injection

import "testing"

func TestSQLi(t *testing.T) {
	runDetectCases(t, "sqli", []detectCase{
		// Attacks.
		{"quote tautology", "1' or '1'='1", Query, 0, scoreStrong},
		{"comment cut", "admin'--", Query, 0, scoreStrong},
		{"hash comment cut", "admin' #", Form, 0, scoreStrong},
		{"numeric tautology", "1 AND 1234=1234", Query, 0, scoreStrong},
		{"stacked drop", "1; DROP TABLE users", Query, 0, scoreStrong},
		{"union select", "-1 UNION ALL SELECT NULL,username,password FROM users", Query, 0, scoreStrong},
		{"union in a longer value", "great product UNION SELECT @@version", JSONValue, 0, scoreStrong},
		{"comment-split union", "1 UNION/**/SELECT/**/1,2", Query, 0, scoreStrong},
		{"mysql executable comments", "1 /*!50000UNION*/ /*!50000SELECT*/ 1,2", Query, 0, scoreStrong},
		{"time based", "1' AND SLEEP(5)-- ", Query, 0, scoreStrong},
		{"waitfor", "1'; WAITFOR DELAY '0:0:5'--", Query, 0, scoreStrong},
		{"pg_sleep", "1) OR pg_sleep(5)--", Query, 0, scoreStrong},
		{"error based", "1 and extractvalue(1,concat(0x7e,version()))", Query, 0, scoreStrong},
		{"conditional probe", "1)); iif(5257=5257,1,1/0)", Query, 0, scoreStrong},
		{"case when probe", "x'; select case when 3=4 then 1 else 0 end--", Query, 0, scoreStrong},
		{"where tautology", "x\" where 8089=8089 --", Query, 0, scoreStrong},
		{"double url encoded", "%2527%2520or%25201%253D1--", Query, 0, scoreStrong},
		{"html entity quote", "x&#39; or &#39;a&#39;=&#39;a", JSONValue, 0, scoreStrong},
		{"js escaped quote", `\u0027 or 1=1--`, JSONValue, 0, scoreStrong},
		{"tautology in prose", "my comment and 7=7 end", JSONValue, 0, scoreStrong},
		{"catalog alone", "information_schema.tables", Query, 0, scoreLikely},
		{"select without boundary at high", "select name from users", Query, High, scoreWeak},
		// Benign: names, prose, code, search phrases.
		{"apostrophe name", "O'Brien", JSONValue, 0, 0},
		{"apostrophes", "It's John's and O'Neil's", JSONValue, 0, 0},
		{"prose select or", "select the best or worst option", JSONValue, 0, 0},
		{"drop table tennis", "drop table tennis results", Query, 0, 0},
		{"search phrase", "union select committee minutes", Query, 0, 0},
		{"code snippet", "if (a < b) { return; }", JSONValue, 0, 0},
		{"python sleep", "time.sleep(5) before retrying", JSONValue, 0, 0},
		{"code with or", "if (a || b) { return; }", JSONValue, 0, 0},
		{"code with call", "count(items) > 3 and max(a, b) + 1", JSONValue, 0, 0},
		{"code at high", "if (a || b) { return; }", JSONValue, High, scoreWeak},
		{"bare expression in a query id", "count(items) > 3", Query, 0, scoreStrong},
		{"whole-value function in a query id", "sleep(5)", Query, 0, scoreStrong},
		{"email", "jane.doe+news@example.com", JSONValue, 0, 0},
		{"markdown", "**Note**: see [docs](https://example.com/a#b) -- thanks", JSONValue, 0, 0},
		{"quote then semicolon", `XSERVING"; ";PLATTER";`, Query, 0, 0},
		{"prose keywords at medium", "select name from users", Query, 0, 0},
		{"date range", "2024-01-01", Query, 0, 0},
		{"plain word", "page2sortcreated", Query, 0, 0},
	})
}

func FuzzSQLi(f *testing.F) {
	fuzzDetector(f, &sqliDetector, "1' or '1'='1", "1 UNION/**/SELECT 1", "x; drop table y", "sleep(5)", "a or 1=1", "/*!", "--", "' #")
}
