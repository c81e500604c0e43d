package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// owaspName is "API1:2023 Broken Object Level Authorization", or the bare
// id when core does not know it.
func owaspName(id string) string {
	if t, ok := core.OWASPTitles[id]; ok {
		return id + " " + t
	}
	return id
}

// owaspURL links a category of the OWASP API Security Top 10 2023 to its
// page: https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/
// (0xa1…0xa9, then 0xaa for API10). Unknown ids have no page.
func owaspURL(id string) string {
	title, ok := core.OWASPTitles[id]
	if !ok {
		return ""
	}
	num, found := strings.CutPrefix(strings.TrimSuffix(id, ":2023"), "API")
	n, err := strconv.Atoi(num)
	if !found || err != nil || n < 1 || n > 10 {
		return ""
	}
	slug := strings.ReplaceAll(strings.ToLower(title), " ", "-")
	return fmt.Sprintf("https://owasp.org/API-Security/editions/2023/en/0xa%x-%s/", n, slug)
}

// cweURL links a CWE id to MITRE's definition.
func cweURL(id int) string {
	return fmt.Sprintf("https://cwe.mitre.org/data/definitions/%d.html", id)
}
