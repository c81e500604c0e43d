package injection

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// crsEngine is the OWASP Core Rule Set on Coraza. The WAF is built once at
// New and shared by all requests (Coraza transactions are per request and
// the WAF is safe for concurrent use).
type crsEngine struct {
	waf coraza.WAF
	// threshold is the inbound anomaly score at or above which a request is
	// blocked, unless a route overrides it.
	threshold int
	paranoia  int
}

// Rule ids of the directives the adapter adds around the CRS. They sit in
// the range Coraza's recommended configuration uses for the same rules.
const (
	crsRuleBodyError      = 200002 // REQBODY_ERROR: the body processor failed
	crsRuleMultipartError = 200003 // MULTIPART_STRICT_ERROR
)

// crsSetupVersion is what REQUEST-901-INITIALIZATION expects crs-setup.conf
// to have set (it refuses to run otherwise).
const crsSetupVersion = "4250"

// transactionVariables is implemented by Coraza's transactions: it gives
// the TX collection, where the CRS keeps its anomaly score. Checked at New.
type transactionVariables interface {
	Variables() plugintypes.TransactionVariables
}

// newCRSEngine builds the Coraza WAF with the CRS request rules at the
// given paranoia level, the adapter's own body-processor rules and the
// operator's rule files after them (so that they can add rules, remove CRS
// rules with SecRuleRemoveById or narrow targets with
// SecRuleUpdateTargetById).
func newCRSEngine(c CRSConfig, maxBody int64) (*crsEngine, error) {
	files := make([]string, 0, len(c.RuleFiles))
	for _, f := range c.RuleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("crs rule file %q: %w", f, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("crs rule file: %w", err)
		}
		files = append(files, abs)
	}
	cfg := coraza.NewWAFConfig().
		WithRootFS(rulesFS{}).
		WithDirectives(crsDirectives(c, maxBody))
	for _, f := range files {
		cfg = cfg.WithDirectivesFromFile(f)
	}
	waf, err := coraza.NewWAF(cfg)
	if err != nil {
		return nil, fmt.Errorf("loading the OWASP CRS: %w", err)
	}
	tx := waf.NewTransaction()
	_, ok := tx.(transactionVariables)
	_ = tx.Close()
	if !ok {
		return nil, errors.New("loading the OWASP CRS: this Coraza version does not expose transaction variables")
	}
	return &crsEngine{waf: waf, threshold: c.InboundThreshold, paranoia: c.Paranoia}, nil
}

// crsDirectives is the configuration Coraza parses. Why each line:
//   - DetectionOnly: the guard, not Coraza, decides (after exclusions and
//     with a per-route threshold), and every phase runs to the end so that
//     all matches are known;
//   - audit engine off and no debug log: Coraza must never write request
//     data to stdout or to files (secrets in headers and bodies);
//   - body limits equal to the guard's MaxBodyBytes and to the in-memory
//     limit: the body is already in memory, and Coraza never spools a
//     request body to a temporary file;
//   - the JSON and XML processors are selected by Content-Type as in
//     Coraza's recommended configuration, and body-processor failures are
//     recorded as matches of rules 200002/200003 so the guard can answer
//     400 like the native engine;
//   - crs-setup values: paranoia level (blocking = detection), the
//     anomaly threshold (which the guard applies itself) and the methods
//     of REST APIs (PUT, PATCH, DELETE: routes decide which a path takes).
func crsDirectives(c CRSConfig, maxBody int64) string {
	limit := strconv.FormatInt(maxBody, 10)
	pl := strconv.Itoa(c.Paranoia)
	return `
SecRuleEngine DetectionOnly
SecRequestBodyAccess On
SecResponseBodyAccess Off
SecAuditEngine Off
SecRequestBodyLimit ` + limit + `
SecRequestBodyInMemoryLimit ` + limit + `
SecRequestBodyLimitAction ProcessPartial
SecRequestBodyJsonDepthLimit 1024
SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\+|/)|text/)xml" \
    "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "^application/json" \
    "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQUEST_HEADERS:Content-Type "^application/[a-z0-9.-]+[+]json" \
    "id:200006,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQBODY_ERROR "!@eq 0" \
    "id:200002,phase:2,t:none,pass,log,msg:'Failed to parse request body.',severity:2"
SecRule MULTIPART_STRICT_ERROR "!@eq 0" \
    "id:200003,phase:2,t:none,pass,log,msg:'Multipart request body failed strict validation.'"
SecDefaultAction "phase:1,log,noauditlog,pass"
SecDefaultAction "phase:2,log,noauditlog,pass"
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=` + pl + `"
SecAction "id:900001,phase:1,pass,t:none,nolog,setvar:tx.detection_paranoia_level=` + pl + `"
SecAction "id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold=` +
		strconv.Itoa(c.InboundThreshold) + `,setvar:tx.outbound_anomaly_score_threshold=4"
SecAction "id:900200,phase:1,pass,t:none,nolog,setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE'"
SecAction "id:900990,phase:1,pass,t:none,nolog,setvar:tx.crs_setup_version=` + crsSetupVersion + `"
Include @owasp_crs/REQUEST-*.conf
`
}
