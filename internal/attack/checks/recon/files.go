package recon

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// exposedFile is one path worth asking for and the proof that what came
// back is that file, not a catch-all page.
type exposedFile struct {
	paths    []string
	title    string
	severity core.Severity
	cwe      int
	// proves reports whether the body is the file; detail says what in it
	// proved so.
	proves func(h http.Header, body []byte) (bool, string)
	// keep is how much of the body evidence may show: bodyMasked (secrets
	// masked), bodyFirstLine (key material: nothing past the first line).
	keep keepMode
	// spec marks an API description: recon loads its operations.
	spec bool
	// env marks KEY=VALUE files: every value is masked and shared as a
	// secret candidate, whatever its key.
	env bool
}

type keepMode int

const (
	bodyMasked keepMode = iota
	bodyFirstLine
)

// CWE ids used below.
const (
	cweExposure   = 200 // Exposure of Sensitive Information to an Unauthorized Actor
	cweDebugCode  = 489 // Active Debug Code
	cweVCS        = 527 // Exposure of Version-Control Repository
	cweBackup     = 530 // Exposure of Backup File
	cweSensitiveF = 538 // Insertion of Sensitive Information into Externally-Accessible File
)

var (
	envLine      = regexp.MustCompile(`^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$`)
	htpasswdLine = regexp.MustCompile(`^[^:\s]+:(?:\$apr1\$|\$2[abxy]?\$|\{SHA\}|\$[156]\$|[./A-Za-z0-9]{13}$)`)
	gitHEAD      = regexp.MustCompile(`\A(?:ref: refs/[^\s]+|[0-9a-f]{40})\s*\z`)
	sqlDump      = regexp.MustCompile(`(?i)(?:^|\n)\s*(?:CREATE TABLE|INSERT INTO)\s+[` + "`" + `"\[]?\w+`)
)

// exposedFiles are asked for in order. Paths under /api are included for
// the endpoints frameworks mount beside the API.
var exposedFiles = []exposedFile{
	{paths: []string{"/.env", "/.env.local", "/.env.production", "/api/.env"}, title: "Environment file exposed",
		severity: core.SeverityHigh, cwe: cweSensitiveF, proves: isEnvFile, env: true},
	{paths: []string{"/.git/config"}, title: "Git repository exposed", severity: core.SeverityHigh, cwe: cweVCS,
		proves: contains("[core]", "repositoryformatversion")},
	{paths: []string{"/.git/HEAD"}, title: "Git repository exposed", severity: core.SeverityHigh, cwe: cweVCS,
		proves: func(_ http.Header, b []byte) (bool, string) { return gitHEAD.Match(b), "a git HEAD reference" }},
	{paths: []string{"/.svn/wc.db"}, title: "Subversion working copy exposed", severity: core.SeverityHigh, cwe: cweVCS,
		proves: prefix("SQLite format 3\x00")},
	{paths: []string{"/.DS_Store"}, title: "macOS folder index exposed", severity: core.SeverityLow, cwe: cweSensitiveF,
		proves: prefix("\x00\x00\x00\x01Bud1")},
	{paths: []string{"/backup.zip", "/api.zip"}, title: "Backup archive exposed", severity: core.SeverityHigh, cwe: cweBackup,
		proves: prefix("PK\x03\x04"), keep: bodyFirstLine},
	{paths: []string{"/backup.tar.gz"}, title: "Backup archive exposed", severity: core.SeverityHigh, cwe: cweBackup,
		proves: prefix("\x1f\x8b\x08"), keep: bodyFirstLine},
	{paths: []string{"/backup.sql", "/dump.sql", "/database.sql"}, title: "Database dump exposed", severity: core.SeverityCritical, cwe: cweBackup,
		proves: func(_ http.Header, b []byte) (bool, string) {
			return sqlDump.Match(b) && !looksHTML(b), "SQL statements"
		}, keep: bodyFirstLine},
	{paths: []string{"/config.json", "/appsettings.json", "/settings.json", "/api/config"}, title: "Configuration with secrets exposed",
		severity: core.SeverityHigh, cwe: cweSensitiveF, proves: jsonWithSecrets},
	{paths: []string{"/wp-config.php.bak", "/config.php.bak"}, title: "Configuration backup exposed", severity: core.SeverityCritical, cwe: cweBackup,
		proves: contains("DB_PASSWORD")},
	{paths: []string{"/.aws/credentials"}, title: "Cloud credentials exposed", severity: core.SeverityCritical, cwe: cweSensitiveF,
		proves: contains("aws_access_key_id"), keep: bodyFirstLine},
	{paths: []string{"/.npmrc"}, title: "Package registry token exposed", severity: core.SeverityHigh, cwe: cweSensitiveF,
		proves: contains("_authToken"), keep: bodyFirstLine},
	{paths: []string{"/.htpasswd"}, title: "Password file exposed", severity: core.SeverityHigh, cwe: cweSensitiveF,
		proves: func(_ http.Header, b []byte) (bool, string) {
			first, _, _ := bytes.Cut(b, []byte("\n"))
			return htpasswdLine.Match(bytes.TrimSpace(first)), "user:hash lines"
		}, keep: bodyFirstLine},
	{paths: []string{"/id_rsa", "/.ssh/id_rsa"}, title: "Private key exposed", severity: core.SeverityCritical, cwe: cweSensitiveF,
		proves: contains("PRIVATE KEY-----"), keep: bodyFirstLine},
	{paths: []string{"/docker-compose.yml"}, title: "Deployment file exposed", severity: core.SeverityMedium, cwe: cweSensitiveF,
		proves: func(_ http.Header, b []byte) (bool, string) {
			return bytes.Contains(b, []byte("services:")) && !looksHTML(b), "a compose file"
		}},
	{paths: []string{"/web.config"}, title: "IIS configuration exposed", severity: core.SeverityHigh, cwe: cweSensitiveF,
		proves: contains("<configuration", "<system.web")},
	{paths: []string{"/phpinfo.php", "/info.php"}, title: "phpinfo() page exposed", severity: core.SeverityMedium, cwe: cweExposure,
		proves: contains("phpinfo()", "PHP Version")},
	{paths: []string{"/server-status"}, title: "Apache server-status exposed", severity: core.SeverityMedium, cwe: cweExposure,
		proves: contains("Apache Server Status for")},
	{paths: []string{"/server-info"}, title: "Apache server-info exposed", severity: core.SeverityMedium, cwe: cweExposure,
		proves: contains("Apache Server Information")},
	{paths: []string{"/actuator", "/api/actuator", "/manage"}, title: "Spring Boot actuator exposed", severity: core.SeverityMedium, cwe: cweDebugCode,
		proves: jsonHas("_links")},
	{paths: []string{"/actuator/env", "/api/actuator/env"}, title: "Spring Boot environment exposed", severity: core.SeverityHigh, cwe: cweDebugCode,
		proves: jsonHas("propertySources", "activeProfiles")},
	{paths: []string{"/actuator/mappings"}, title: "Spring Boot route map exposed", severity: core.SeverityMedium, cwe: cweDebugCode,
		proves: jsonHas("contexts")},
	{paths: []string{"/jolokia"}, title: "Jolokia JMX bridge exposed", severity: core.SeverityHigh, cwe: cweDebugCode,
		proves: jsonHas("agent")},
	{paths: []string{"/debug/vars", "/api/debug/vars"}, title: "Debug endpoint exposed", severity: core.SeverityMedium, cwe: cweDebugCode,
		proves: isDebugVars},
	{paths: []string{"/debug/pprof/", "/api/debug/pprof/"}, title: "Go profiler exposed", severity: core.SeverityMedium, cwe: cweDebugCode,
		proves: contains("Types of profiles available", "goroutine")},
	{paths: []string{"/metrics", "/api/metrics"}, title: "Metrics exposed", severity: core.SeverityLow, cwe: cweExposure,
		proves: func(_ http.Header, b []byte) (bool, string) {
			return bytes.Contains(b, []byte("# HELP ")) && bytes.Contains(b, []byte("# TYPE ")), "Prometheus metrics"
		}},
	{paths: []string{"/openapi.json", "/swagger.json", "/v3/api-docs", "/v2/api-docs", "/api-docs", "/openapi.yaml", "/swagger.yaml",
		"/api/openapi.json", "/api/swagger.json", "/api/openapi.yaml", "/swagger/v1/swagger.json", "/api/v1/openapi.json"},
		title: "API description published", severity: core.SeverityInfo, cwe: cweExposure, proves: isSpec, spec: true},
	{paths: []string{"/swagger-ui.html", "/swagger-ui/", "/docs", "/redoc"}, title: "API documentation UI published", severity: core.SeverityInfo, cwe: cweExposure,
		proves: func(_ http.Header, b []byte) (bool, string) {
			s := string(b)
			return strings.Contains(s, "swagger-ui") || strings.Contains(s, "SwaggerUIBundle") || strings.Contains(s, "<redoc"), "a Swagger UI or ReDoc page"
		}},
}

// contains proves a file by markers that must all be present.
func contains(markers ...string) func(http.Header, []byte) (bool, string) {
	return func(_ http.Header, b []byte) (bool, string) {
		for _, m := range markers {
			if !bytes.Contains(b, []byte(m)) {
				return false, ""
			}
		}
		return true, "contains " + strings.Join(quoteAll(markers), " and ")
	}
}

// prefix proves a binary file by its magic number.
func prefix(magic string) func(http.Header, []byte) (bool, string) {
	return func(_ http.Header, b []byte) (bool, string) {
		return bytes.HasPrefix(b, []byte(magic)), "starts with the format's magic number"
	}
}

// jsonHas proves a JSON document by one of its top-level keys.
func jsonHas(keys ...string) func(http.Header, []byte) (bool, string) {
	return func(_ http.Header, b []byte) (bool, string) {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			return false, ""
		}
		for _, k := range keys {
			if _, ok := m[k]; ok {
				return true, "JSON with the key " + k
			}
		}
		return false, ""
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "\"" + s + "\""
	}
	return out
}

func looksHTML(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 512)])
	return bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype"))
}

// isEnvFile: at least two KEY=VALUE lines making up most of the file's
// non-comment lines, and not a web page.
func isEnvFile(_ http.Header, b []byte) (bool, string) {
	if looksHTML(b) || bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return false, ""
	}
	assign, other := 0, 0
	for _, line := range strings.Split(string(b[:min(len(b), 64<<10)]), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case envLine.MatchString(t):
			assign++
		default:
			other++
		}
	}
	return assign >= 2 && assign > 2*other, "KEY=VALUE lines"
}

// envValues returns the values of an env file's assignments, for masking.
func envValues(b []byte) []string {
	var out []string
	for _, line := range strings.Split(string(b[:min(len(b), 64<<10)]), "\n") {
		if m := envLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			if v := strings.Trim(strings.TrimSpace(m[2]), `"'`); len(v) >= 4 {
				out = append(out, v)
			}
		}
	}
	return out
}

// jsonWithSecrets: a JSON document with at least one secret value.
func jsonWithSecrets(_ http.Header, b []byte) (bool, string) {
	if !json.Valid(b) {
		return false, ""
	}
	for _, m := range exposure.SensitiveData(b) {
		if m.Kind == exposure.KindSecretField || m.Kind == exposure.KindURLCredential || m.Kind == exposure.KindPrivateKey || m.Kind == exposure.KindAWSKey {
			return true, "JSON with a secret at " + m.Field
		}
	}
	return false, ""
}

// debugVarsKeys are keys of Go's expvar and of hand-written runtime dumps.
var debugVarsKeys = []string{"memstats", "cmdline", "goroutines", "num_goroutine", "heap_alloc", "HeapAlloc", "go_version", "runtime"}

// isDebugVars: a JSON object with runtime statistics or secrets.
func isDebugVars(h http.Header, b []byte) (bool, string) {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return false, ""
	}
	if ok, detail := jsonWithSecrets(h, b); ok {
		return true, detail
	}
	raw := string(b)
	for _, k := range debugVarsKeys {
		if strings.Contains(raw, `"`+k+`"`) {
			return true, "JSON with the runtime key " + k
		}
	}
	return false, ""
}

// isSpec: an OpenAPI or Swagger document with at least one operation.
func isSpec(_ http.Header, b []byte) (bool, string) {
	sp, err := probe.SpecOperations(b)
	if err != nil || len(sp.Operations) == 0 {
		return false, ""
	}
	return true, "an API description with " + strconv.Itoa(len(sp.Operations)) + " operations"
}
