package recon

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// GraphQLCheck sends an introspection query to the usual GraphQL paths.
type GraphQLCheck struct{}

// ID implements core.Check.
func (GraphQLCheck) ID() string { return "recon.graphql" }

// Stage implements core.Check.
func (GraphQLCheck) Stage() core.Stage { return core.StageRecon }

// Title implements core.Check.
func (GraphQLCheck) Title() string { return "GraphQL introspection" }

// graphqlPaths are where GraphQL servers are usually mounted.
var graphqlPaths = []string{"/graphql", "/api/graphql", "/graphql/v1", "/v1/graphql", "/api/v1/graphql", "/query", "/gql"}

// introspectionQuery asks for the schema's type names only: enough to
// prove introspection, small enough to keep the answer short.
const introspectionQuery = `{"query":"query RampartIntrospection { __schema { queryType { name } types { name kind } } }"}`

// Plan implements core.Check.
func (c GraphQLCheck) Plan(s *core.Scan) []core.PlannedRequest {
	var out []core.PlannedRequest
	n := 1
	if probe.Unprivileged(s) != "" {
		n = 2
	}
	for _, p := range graphqlPaths {
		out = append(out, core.PlannedRequest{Endpoint: "POST " + p, Class: "introspection query, anonymously then as a user if refused", Count: n})
	}
	return out
}

// Run implements core.Check.
func (c GraphQLCheck) Run(ctx context.Context, s *core.Scan) error {
	user := probe.Unprivileged(s)
	for i, p := range graphqlPaths {
		key := "POST " + p
		resp, err := c.ask(ctx, s, p, "")
		if err == nil && probe.Refused(resp.Status) && user != "" {
			resp, err = c.ask(ctx, s, p, user)
		}
		if probe.Stopped(ctx, err) {
			for _, rest := range graphqlPaths[i:] {
				s.Cover("POST "+rest, c.ID(), core.NotReached, err.Error())
			}
			return err
		}
		if err != nil || resp.Exchange.Response == nil {
			s.Cover(key, c.ID(), core.Skipped, "no answer")
			continue
		}
		s.Cover(key, c.ID(), core.Tested, "")
		types, ok := IntrospectionTypes(resp.Body)
		if !ok {
			continue
		}
		s.AddOperation(core.Operation{Method: "POST", Path: p, Secured: resp.Exchange.Request.Profile != "", Source: "discovered"})
		sev, who := core.SeverityMedium, "anonymously"
		if resp.Exchange.Request.Profile != "" {
			sev, who = core.SeverityLow, "as "+resp.Exchange.Request.Profile
		}
		s.Report(core.Finding{
			Check:            c.ID(),
			Title:            "GraphQL introspection enabled",
			OWASP:            core.API8Misconfig,
			CWE:              200,
			Severity:         sev,
			Confidence:       core.Firm,
			ConfidenceReason: "the answer contains __schema with the schema's types",
			Endpoint:         key,
			Description: fmt.Sprintf("POST %s with an introspection query %s returned the schema (%d types). "+
				"Introspection hands an attacker every query, mutation and field, including ones the client never uses.", p, who, types),
			Evidence: exposure.MaskEvidence(resp.Exchange),
			Curl:     probe.Curl(resp.Exchange.Request),
			Remediation: "Disable introspection in production in the GraphQL server. Rampart does not inspect GraphQL documents; " +
				"it can restrict who reaches the endpoint (apis[].routes[].auth and authz).",
		})
	}
	return nil
}

func (c GraphQLCheck) ask(ctx context.Context, s *core.Scan, path, profile string) (*core.Response, error) {
	return s.Do(ctx, core.Request{Method: "POST", Path: path, Body: []byte(introspectionQuery), Profile: profile, Check: c.ID()})
}

// IntrospectionTypes reports whether body is a GraphQL answer carrying
// data.__schema.types, and how many types it lists.
func IntrospectionTypes(body []byte) (int, bool) {
	var out struct {
		Data struct {
			Schema *struct {
				Types []json.RawMessage `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &out) != nil || out.Data.Schema == nil || len(out.Data.Schema.Types) == 0 {
		return 0, false
	}
	return len(out.Data.Schema.Types), true
}
