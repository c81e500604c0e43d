package injection

// Severity ranks a rule, in the same words as the gateway's event
// severities.
type Severity string

// The severities rules use.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// OWASP API Security Top 10 2023 categories of the rules. The 2023 list
// files injection under API8, Security Misconfiguration (input reaching an
// interpreter unsanitised); SSRF has its own category, API7.
const (
	owaspInjection = "API8:2023"
	owaspSSRF      = "API7:2023"
)

// Rule describes one attack class the engine detects.
type Rule struct {
	// ID is the stable identifier used in configuration (DisabledRules),
	// events and metrics: "sqli", "xss", "cmdi", "traversal", "ssrf",
	// "nosqli", "ssti", "ldapi", "xpathi", "jndi", "crlf", "xxe",
	// "proto_pollution".
	ID string
	// Name is a short human-readable name.
	Name string
	// CWE is the Common Weakness Enumeration id of the weakness exploited.
	CWE int
	// OWASP is the OWASP API Security Top 10 2023 category.
	OWASP string
	// Severity ranks what a successful attack of this class does.
	Severity Severity
	// Score is what conclusive evidence of this class adds to a value's
	// total. Weaker evidence adds less; Match.Score says how much.
	Score int
}

// Rule indexes, in the order detectors run and matches are reported.
const (
	ruleSQLi = iota
	ruleXSS
	ruleCmdI
	ruleTraversal
	ruleSSRF
	ruleNoSQLi
	ruleSSTI
	ruleLDAPi
	ruleXPathi
	ruleJNDI
	ruleCRLF
	ruleXXE
	ruleProto

	ruleCount
)

var ruleTable = [ruleCount]Rule{
	ruleSQLi:      {ID: "sqli", Name: "SQL injection", CWE: 89, OWASP: owaspInjection, Severity: SeverityCritical, Score: scoreStrong},
	ruleXSS:       {ID: "xss", Name: "Cross-site scripting", CWE: 79, OWASP: owaspInjection, Severity: SeverityHigh, Score: scoreStrong},
	ruleCmdI:      {ID: "cmdi", Name: "OS command injection", CWE: 78, OWASP: owaspInjection, Severity: SeverityCritical, Score: scoreStrong},
	ruleTraversal: {ID: "traversal", Name: "Path traversal", CWE: 22, OWASP: owaspInjection, Severity: SeverityHigh, Score: scoreStrong},
	ruleSSRF:      {ID: "ssrf", Name: "Server-side request forgery", CWE: 918, OWASP: owaspSSRF, Severity: SeverityHigh, Score: scoreStrong},
	ruleNoSQLi:    {ID: "nosqli", Name: "NoSQL injection", CWE: 943, OWASP: owaspInjection, Severity: SeverityCritical, Score: scoreStrong},
	ruleSSTI:      {ID: "ssti", Name: "Server-side template injection", CWE: 1336, OWASP: owaspInjection, Severity: SeverityCritical, Score: scoreStrong},
	ruleLDAPi:     {ID: "ldapi", Name: "LDAP injection", CWE: 90, OWASP: owaspInjection, Severity: SeverityHigh, Score: scoreStrong},
	ruleXPathi:    {ID: "xpathi", Name: "XPath injection", CWE: 643, OWASP: owaspInjection, Severity: SeverityHigh, Score: scoreStrong},
	ruleJNDI:      {ID: "jndi", Name: "JNDI lookup injection (Log4Shell)", CWE: 917, OWASP: owaspInjection, Severity: SeverityCritical, Score: scoreStrong},
	ruleCRLF:      {ID: "crlf", Name: "CRLF injection / response splitting", CWE: 93, OWASP: owaspInjection, Severity: SeverityMedium, Score: scoreStrong},
	ruleXXE:       {ID: "xxe", Name: "XML external entity", CWE: 611, OWASP: owaspInjection, Severity: SeverityHigh, Score: scoreStrong},
	ruleProto:     {ID: "proto_pollution", Name: "Prototype pollution", CWE: 1321, OWASP: owaspInjection, Severity: SeverityHigh, Score: scoreStrong},
}

// Rules returns a copy of every rule the engine knows, in a stable order.
func Rules() []Rule {
	out := make([]Rule, ruleCount)
	copy(out, ruleTable[:])
	return out
}

// ruleIndex returns the index of the rule with the given id.
func ruleIndex(id string) (int, bool) {
	for i := range ruleTable {
		if ruleTable[i].ID == id {
			return i, true
		}
	}
	return 0, false
}
