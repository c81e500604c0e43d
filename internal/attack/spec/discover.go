package spec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// WellKnownPaths are where Discover looks, relative to the target URL, in
// this order: the names frameworks serve by default (FastAPI, springdoc,
// Swashbuckle, NestJS, Express helpers) and the .well-known spellings.
var WellKnownPaths = []string{
	"/openapi.json",
	"/openapi.yaml",
	"/openapi.yml",
	"/swagger.json",
	"/swagger.yaml",
	"/v3/api-docs",
	"/v2/api-docs",
	"/api/openapi.json",
	"/api/openapi.yaml",
	"/api/swagger.json",
	"/api-docs",
	"/swagger/v1/swagger.json",
	"/docs/openapi.json",
	"/.well-known/openapi.json",
	"/.well-known/openapi.yaml",
	"/.well-known/openapi",
}

// ErrNotFound: no well-known location served a document that parses.
var ErrNotFound = errors.New("no OpenAPI document found at the well-known locations")

// DiscoverCheck is the check id Discover's requests are counted under.
const DiscoverCheck = "rampart.spec"

// Discover requests each WellKnownPaths location (anonymously, through the
// scan: scope, budget and pacing hold) and returns the operations of the
// first that answers 200 with an OpenAPI document, and its URL. It stops at
// the first budget or transport error (a target that does not answer will
// not answer the next path either). A document that is found but does not
// parse is returned as its *Error only when no later location works.
func Discover(ctx context.Context, s *core.Scan, opts Options) ([]core.Operation, string, error) {
	var firstBad error
	for _, p := range WellKnownPaths {
		resp, err := s.Do(ctx, core.Request{
			Method: http.MethodGet, Path: p, // relative to the target's base URL
			Header:  http.Header{"Accept": {"application/json, application/yaml;q=0.9, */*;q=0.1"}},
			Check:   DiscoverCheck,
			MaxBody: MaxFetchBytes + 1,
		})
		if err != nil {
			return nil, "", fmt.Errorf("looking for the spec at %s: %w", p, err)
		}
		if resp.Status != http.StatusOK || len(resp.Body) == 0 {
			continue
		}
		where := resp.Exchange.Request.URL
		ops, err := Parse(resp.Body, where, opts)
		if err == nil {
			return ops, where, nil
		}
		// A broken document is worth reporting; a soft-404 page (an SPA's
		// index.html served for every path) is not.
		if !errors.Is(err, ErrNotOpenAPI) && mentionsSpec(resp.Body) && firstBad == nil {
			firstBad = err
		}
	}
	if firstBad != nil {
		return nil, "", firstBad
	}
	return nil, "", ErrNotFound
}

// mentionsSpec: the start of the body names openapi or swagger.
func mentionsSpec(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 4096)]))
	return strings.Contains(head, "openapi") || strings.Contains(head, "swagger")
}
