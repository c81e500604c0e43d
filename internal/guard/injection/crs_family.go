package injection

import "strings"

// crsFamily is what the guard knows of a CRS rule from its attack tag: the
// native rule id of the same attack class (so that an exclusion written
// for "sqli" also applies to the CRS's SQL injection rules), the CWE and
// the OWASP API category.
type crsFamily struct {
	id       string
	cwe      int
	category string
}

// crsFamilies maps the CRS "attack-*" tags. Families without a native
// counterpart get ids of their own, usable in exclusions.
var crsFamilies = map[string]crsFamily{
	"attack-sqli":               {"sqli", 89, CategoryInjection},
	"attack-xss":                {"xss", 79, CategoryInjection},
	"attack-rce":                {"cmdi", 78, CategoryInjection},
	"attack-lfi":                {"traversal", 22, CategoryInjection},
	"attack-ssrf":               {"ssrf", 918, CategorySSRF},
	"attack-ssti":               {"ssti", 1336, CategoryInjection},
	"attack-rfi":                {"rfi", 98, CategorySSRF},
	"attack-injection-php":      {"php", 94, CategoryInjection},
	"attack-injection-java":     {"java", 94, CategoryInjection},
	"attack-injection-generic":  {"generic", 94, CategoryInjection},
	"attack-generic":            {"generic", 94, CategoryInjection},
	"attack-protocol":           {"protocol", 20, CategoryInjection},
	"attack-deprecated-header":  {"protocol", 20, CategoryInjection},
	"attack-multipart-header":   {"protocol", 20, CategoryInjection},
	"attack-fixation":           {"fixation", 384, CategoryInjection},
	"attack-reputation-scanner": {"scanner", 200, CategoryInjection},
}

// log4ShellRules are the CRS's JNDI lookup rules (tagged attack-rce):
// they belong with the native "jndi" rule.
var log4ShellRules = map[int]bool{944150: true, 944151: true, 944152: true}

// familyOf returns the family of a CRS rule from its id and tags; rules
// without an attack tag (protocol enforcement, custom rules) are generic
// injection-class findings with no native counterpart.
func familyOf(id int, tags []string) crsFamily {
	if log4ShellRules[id] {
		return crsFamily{"jndi", 917, CategoryInjection}
	}
	for _, t := range tags {
		if f, ok := crsFamilies[t]; ok {
			return f
		}
	}
	return crsFamily{category: CategoryInjection}
}

// crsRule reports whether id means something to the CRS engine in an
// exclusion: a CRS rule id (digits) or a family id.
func crsRule(id string) bool {
	if id == "" {
		return false
	}
	if strings.Trim(id, "0123456789") == "" {
		return len(id) <= 9
	}
	if id == "jndi" || nativeRule(id) {
		return true
	}
	for _, f := range crsFamilies {
		if f.id == id {
			return true
		}
	}
	return false
}
