package audit

import (
	"encoding/json"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// What goes into a record, and what never does. An Outcome has no headers
// and no bodies, and the data below copies only what an investigator needs:
// never Authorization, cookies, API keys, query strings (they carry tokens:
// CWE-598) or Identity.Claims (personal data). Every string is clipped so an
// attacker cannot bloat the log with one huge field.

// Field size caps, in bytes.
const (
	maxShortField = 256
	maxPathField  = 2048
	maxTextField  = 1024
	maxEvidence   = 32
	maxFieldsMap  = 64
)

// outcomeData is an Outcome as recorded.
type outcomeData struct {
	RequestID  string        `json:"request_id,omitempty"`
	Time       time.Time     `json:"time"`
	Client     string        `json:"client,omitempty"`
	Method     string        `json:"method,omitempty"`
	Host       string        `json:"host,omitempty"`
	Path       string        `json:"path,omitempty"`
	UserAgent  string        `json:"user_agent,omitempty"`
	Status     int           `json:"status"`
	Verdict    string        `json:"verdict"`
	API        string        `json:"api,omitempty"`
	Route      string        `json:"route,omitempty"`
	Identity   *identityData `json:"identity,omitempty"`
	Denials    []denialData  `json:"denials,omitempty"`
	LatencyUS  int64         `json:"latency_us"`
	UpstreamUS int64         `json:"upstream_us,omitempty"`
	BytesIn    int64         `json:"bytes_in"`
	BytesOut   int64         `json:"bytes_out"`
}

// identityData is the part of an Identity that is safe to keep.
type identityData struct {
	Subject string `json:"subject,omitempty"`
	KeyID   string `json:"key_id,omitempty"`
	Method  string `json:"method,omitempty"`
	Tenant  string `json:"tenant,omitempty"`
}

type denialData struct {
	Guard  string `json:"guard,omitempty"`
	Rule   string `json:"rule,omitempty"`
	Code   string `json:"code,omitempty"`
	Status int    `json:"status,omitempty"`
}

// eventData is an Event as recorded; evidence values that look like
// credentials become salted hashes.
type eventData struct {
	Time      time.Time         `json:"time"`
	RequestID string            `json:"request_id,omitempty"`
	Kind      string            `json:"kind"`
	Severity  string            `json:"severity,omitempty"`
	Category  string            `json:"category,omitempty"`
	Guard     string            `json:"guard,omitempty"`
	Rule      string            `json:"rule,omitempty"`
	Client    string            `json:"client,omitempty"`
	Subject   string            `json:"subject,omitempty"`
	API       string            `json:"api,omitempty"`
	Route     string            `json:"route,omitempty"`
	Method    string            `json:"method,omitempty"`
	Path      string            `json:"path,omitempty"`
	Message   string            `json:"message,omitempty"`
	Monitor   bool              `json:"monitor,omitempty"`
	Evidence  map[string]string `json:"evidence,omitempty"`
}

// adminData is an administrative action; secret-looking fields are hashed.
type adminData struct {
	Action string            `json:"action"`
	Fields map[string]string `json:"fields,omitempty"`
}

func newOutcomeData(o *pipeline.Outcome) outcomeData {
	d := outcomeData{
		RequestID:  clip(o.RequestID, maxShortField),
		Time:       o.Time.UTC(),
		Client:     addrString(o.Client),
		Method:     clip(o.Method, maxShortField),
		Host:       clip(o.Host, maxShortField),
		Path:       clip(stripQuery(o.Path), maxPathField),
		UserAgent:  clip(o.UserAgent, maxShortField),
		Status:     o.Status,
		Verdict:    clip(string(o.Verdict), maxShortField),
		API:        clip(o.Route.API, maxShortField),
		Route:      clip(o.Route.Route, maxShortField),
		LatencyUS:  o.Latency.Microseconds(),
		UpstreamUS: o.Upstream.Microseconds(),
		BytesIn:    o.BytesIn,
		BytesOut:   o.BytesOut,
	}
	if id := o.Identity; id != nil {
		d.Identity = &identityData{
			Subject: clip(id.Subject, maxShortField),
			KeyID:   clip(id.KeyID, maxShortField),
			Method:  clip(id.Method, maxShortField),
			Tenant:  clip(id.Tenant, maxShortField),
		}
	}
	if n := len(o.Denials); n > 0 {
		d.Denials = make([]denialData, 0, min(n, maxEvidence))
		for i := range o.Denials[:min(n, maxEvidence)] {
			dn := &o.Denials[i]
			d.Denials = append(d.Denials, denialData{
				Guard: clip(dn.Guard, maxShortField), Rule: clip(dn.Rule, maxShortField),
				Code: clip(dn.Code, maxShortField), Status: dn.Status,
			})
		}
	}
	return d
}

func newEventData(e *pipeline.Event, h secretHasher) eventData {
	return eventData{
		Time:      e.Time.UTC(),
		RequestID: clip(e.RequestID, maxShortField),
		Kind:      clip(e.Kind, maxShortField),
		Severity:  clip(string(e.Severity), maxShortField),
		Category:  clip(e.Category, maxShortField),
		Guard:     clip(e.Guard, maxShortField),
		Rule:      clip(e.Rule, maxShortField),
		Client:    addrString(e.Client),
		Subject:   clip(e.Subject, maxShortField),
		API:       clip(e.Route.API, maxShortField),
		Route:     clip(e.Route.Route, maxShortField),
		Method:    clip(e.Method, maxShortField),
		Path:      clip(stripQuery(e.Path), maxPathField),
		Message:   clip(e.Message, maxTextField),
		Monitor:   e.Monitor,
		Evidence:  h.redact(e.Evidence, maxEvidence),
	}
}

// marshalData encodes v; oversized data (impossible with the caps above, but
// a guarantee for the reader's line limit) becomes a stub.
func marshalData(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil || len(b) > maxDataBytes {
		b, _ = json.Marshal(map[string]any{"unrecordable": true, "bytes": len(b)})
	}
	return b
}

// stripQuery drops a query string should a caller pass one in a path.
func stripQuery(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
