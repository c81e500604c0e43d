package injection

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/corazawaf/coraza/v3/types"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// scan runs the request through the CRS and records its matches in v. The
// CRS runs in detection-only mode: the guard takes the anomaly score Coraza
// computed, removes what the exclusions exclude, and compares the rest with
// the route's threshold, so that exclusions and per-route thresholds work
// as for the native engine.
func (e *crsEngine) scan(r *http.Request, body []byte, excl exclusionList, v *verdict) (err error) {
	v.engine = EngineCRS
	tx := e.waf.NewTransaction()
	defer func() {
		if cerr := tx.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the crs transaction: %w", cerr)
		}
	}()
	if err := feed(tx, r, body); err != nil {
		return err
	}
	total := anomalyScore(tx, e.paranoia)
	loc := crsLocator{r: r}
	for _, mr := range tx.MatchedRules() {
		meta := mr.Rule()
		switch id := meta.ID(); {
		case id == crsRuleBodyError || id == crsRuleMultipartError:
			if v.truncated {
				continue // a body cut by scan-prefix fails to parse by construction
			}
			return malformedBody(id, r)
		case meta.Severity() == types.RuleSeverityUnset:
			continue // bookkeeping rules (paranoia skips, score sums)
		}
		fam := familyOf(meta.ID(), meta.Tags())
		score := severityScore(meta.Severity())
		id := strconv.Itoa(meta.ID())
		for _, md := range mr.MatchedDatas() {
			if md.ChainLevel() != 0 {
				continue // a chain's inner conditions; the parent's match is the evidence
			}
			where := loc.location(md.Variable().Name(), md.Key())
			if excl.excludes(where, id, fam.id) {
				// Coraza adds a rule's score once per matched value (its
				// setvar runs per match), so one excluded value takes one
				// score off. A chained rule's inner values add nothing.
				total -= score
				continue
			}
			v.keep(finding{
				rule:     id,
				cwe:      fam.cwe,
				category: fam.category,
				severity: crsSeverity(meta.Severity()),
				score:    score,
				location: cleanLocation(where),
				key:      strings.HasSuffix(md.Variable().Name(), "_NAMES"),
				snippet:  redactSnippet(matchedFragment(md.Data(), md.Value()), where, false),
			})
		}
	}
	v.total = max(total, 0)
	return nil
}

// feed gives Coraza the request: connection, request line, headers (with
// those net/http keeps apart) and the body already read, and runs the
// request phases.
func feed(tx types.Transaction, r *http.Request, body []byte) error {
	client := pipeline.ClientIP(r)
	if client.IsValid() {
		tx.ProcessConnection(client.String(), 0, "", 0)
	}
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	tx.ProcessURI(uri, r.Method, r.Proto)
	for name, values := range r.Header {
		for _, value := range values {
			tx.AddRequestHeader(name, value)
		}
	}
	// net/http moves Host and Transfer-Encoding out of the header map;
	// CRS rules read both (920280 missing Host, 920171 smuggling).
	if r.Host != "" {
		tx.AddRequestHeader("Host", r.Host)
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		tx.SetServerName(host)
	}
	for _, te := range r.TransferEncoding {
		tx.AddRequestHeader("Transfer-Encoding", te)
	}
	if r.ContentLength > 0 && len(r.Header["Content-Length"]) == 0 {
		// A request built in process (not read off the wire) may carry its
		// length only in the field; 920180 scores a POST without one.
		tx.AddRequestHeader("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	tx.ProcessRequestHeaders()
	if len(body) > 0 {
		if _, _, err := tx.WriteRequestBody(body); err != nil {
			return fmt.Errorf("feeding the body to the crs: %w", err)
		}
	}
	if _, err := tx.ProcessRequestBody(); err != nil {
		return fmt.Errorf("crs request body phase: %w", err)
	}
	return nil
}

// anomalyScore is the CRS inbound anomaly score: the per-paranoia-level
// sums (tx.inbound_anomaly_score_pl1 … _pl<paranoia>) the rules add to.
// The CRS's own total (tx.blocking_inbound_anomaly_score) is computed in
// REQUEST-949, before the operator's rule files run; summing the levels
// here counts their rules too.
func anomalyScore(tx types.Transaction, paranoia int) int {
	vars, ok := tx.(transactionVariables)
	if !ok {
		return 0
	}
	col := vars.Variables().TX()
	total := 0
	for pl := 1; pl <= paranoia; pl++ {
		for _, s := range col.Get(plScoreVars[pl-1]) {
			if n, err := strconv.Atoi(s); err == nil {
				total += n
				break
			}
		}
	}
	return total
}

// plScoreVars name the CRS's per-paranoia-level inbound scores.
var plScoreVars = [4]string{"inbound_anomaly_score_pl1", "inbound_anomaly_score_pl2",
	"inbound_anomaly_score_pl3", "inbound_anomaly_score_pl4"}

// severityScore is what one matched value of a rule adds to the CRS
// anomaly score (crs-setup.conf: critical 5, error 4, warning 3, notice 2).
func severityScore(s types.RuleSeverity) int {
	switch s {
	case types.RuleSeverityEmergency, types.RuleSeverityAlert, types.RuleSeverityCritical:
		return 5
	case types.RuleSeverityError:
		return 4
	case types.RuleSeverityWarning:
		return 3
	case types.RuleSeverityNotice:
		return 2
	}
	return 0
}

func crsSeverity(s types.RuleSeverity) pipeline.Severity {
	switch s {
	case types.RuleSeverityEmergency, types.RuleSeverityAlert, types.RuleSeverityCritical:
		return pipeline.SeverityCritical
	case types.RuleSeverityError:
		return pipeline.SeverityHigh
	case types.RuleSeverityWarning:
		return pipeline.SeverityMedium
	case types.RuleSeverityNotice:
		return pipeline.SeverityLow
	}
	return pipeline.SeverityInfo
}

// malformedBody is the 400 for a body Coraza's body processor could not
// parse (rule 200002) or a multipart body that failed strict validation
// (200003): the CRS cannot have seen its fields, so it cannot vouch for it.
func malformedBody(rule int, r *http.Request) *pipeline.Denial {
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return &pipeline.Denial{
		Status:        http.StatusBadRequest,
		Code:          "malformed_body",
		PublicMessage: "The request body could not be parsed.",
		Rule:          strconv.Itoa(rule),
		Severity:      pipeline.SeverityLow,
		Evidence:      map[string]string{"engine": EngineCRS, "location": "body", "content_type": escape(media, 64)},
		Cause:         fmt.Errorf("the crs body processor rejected the %q body", media),
	}
}

// matchedFragment returns the part of a value a CRS rule matched: the
// CRS logs it as "Matched Data: <fragment> found within <var>: <value>".
// Without it, the start of the value.
func matchedFragment(data, value string) string {
	const prefix, sep = "Matched Data: ", " found within "
	if frag, ok := strings.CutPrefix(data, prefix); ok {
		if i := strings.Index(frag, sep); i >= 0 {
			return frag[:i]
		}
	}
	return value
}

// crsLocator turns Coraza's variables into the guard's input locations
// ("query.q", "body./user/name", "header.User-Agent"), so that exclusions
// and evidence read the same for both engines.
type crsLocator struct {
	r *http.Request
}

func (l crsLocator) location(variable, key string) string {
	switch variable {
	case "ARGS", "ARGS_NAMES", "ARGS_GET", "ARGS_GET_NAMES", "ARGS_POST", "ARGS_POST_NAMES":
		return l.arg(variable, key)
	case "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES":
		return "header." + textproto.CanonicalMIMEHeaderKey(key)
	case "REQUEST_COOKIES", "REQUEST_COOKIES_NAMES":
		return "cookie." + key
	case "REQUEST_FILENAME", "REQUEST_BASENAME":
		return "path"
	case "REQUEST_URI", "REQUEST_URI_RAW", "REQUEST_LINE":
		return "uri"
	case "QUERY_STRING":
		return "query"
	case "REQUEST_BODY":
		return "body"
	case "XML":
		return "xml"
	case "FILES", "FILES_NAMES":
		return "multipart." + key + ";filename"
	case "MULTIPART_PART_HEADERS":
		return "multipart." + key
	}
	name := strings.ToLower(variable)
	if key != "" {
		name += "." + key
	}
	return name
}

// arg places an ARGS key: Coraza flattens JSON bodies to "json.a.b.0";
// otherwise the query string holds it or the form body does.
func (l crsLocator) arg(variable, key string) string {
	if k, ok := strings.CutPrefix(key, "json."); ok && !strings.HasPrefix(variable, "ARGS_GET") {
		return "body./" + strings.ReplaceAll(k, ".", "/")
	}
	if key == "json" && !strings.HasPrefix(variable, "ARGS_GET") {
		return "body"
	}
	if strings.HasPrefix(variable, "ARGS_GET") || (!strings.HasPrefix(variable, "ARGS_POST") && l.inQuery(key)) {
		return "query." + key
	}
	if strings.HasPrefix(strings.ToLower(l.r.Header.Get("Content-Type")), "multipart/") {
		return "multipart." + key
	}
	return "form." + key
}

// inQuery reports whether the raw query string has a parameter named key
// (the match is confirmed only for keys Coraza reported, so a cheap
// scan without a full parse suffices).
func (l crsLocator) inQuery(key string) bool {
	q := l.r.URL.RawQuery
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(pair, "=")
		if name == key {
			return true
		}
		if strings.ContainsAny(name, "%+") {
			if u, err := url.QueryUnescape(name); err == nil && u == key {
				return true
			}
		}
	}
	return false
}
