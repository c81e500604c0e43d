package openapi

import (
	"net/http"
	"strings"
)

// Spec is a loaded OpenAPI document, compiled for request validation. It is
// immutable and safe for concurrent use.
type Spec struct {
	file     string
	version  string
	ops      []*Operation
	byKey    map[string]*Operation
	byID     map[string]*Operation
	router   *router
	warnings []string
}

// File returns the path the document was loaded from.
func (s *Spec) File() string { return s.file }

// Version returns the document's "openapi" version ("3.0.3", "3.1.0").
func (s *Spec) Version() string { return s.version }

// Operations returns every operation, sorted by path then method. The slice
// is shared: do not modify it.
func (s *Spec) Operations() []*Operation { return s.ops }

// Warnings lists what the document asks for that is not validated (a
// parameter serialisation this package does not decode, for instance).
// Such inputs pass unvalidated and are never skipped by a ScanPlan.
func (s *Spec) Warnings() []string { return s.warnings }

// Operation returns the operation named by key: its operationId, or
// "METHOD /path" with the path template as written in the document
// ("GET /orders/{orderId}"). It returns nil when none matches.
func (s *Spec) Operation(key string) *Operation {
	if op := s.byID[key]; op != nil {
		return op
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok {
		return nil
	}
	return s.byKey[strings.ToUpper(method)+" "+path]
}

// Find matches a request method and path (the escaped path, as
// url.URL.EscapedPath returns it, without any prefix the API is mounted
// under) to an operation. It returns the operation, the percent-decoded
// path parameters and http.StatusOK; or nil and http.StatusNotFound when
// no path template matches, or http.StatusMethodNotAllowed when one does
// but declares no operation for method (Allowed lists those it declares).
//
// Literal segments win over templated ones, as OpenAPI requires
// (/users/me before /users/{id}). A HEAD request matches the path's GET
// operation when the path declares no HEAD: every HTTP server answers
// HEAD wherever it answers GET.
func (s *Spec) Find(method, path string) (op *Operation, params map[string]string, status int) {
	item, params := s.router.match(path)
	if item == nil {
		return nil, nil, http.StatusNotFound
	}
	if op = item.methods[method]; op == nil && method == http.MethodHead {
		op = item.methods[http.MethodGet]
	}
	if op == nil {
		return nil, nil, http.StatusMethodNotAllowed
	}
	return op, params, http.StatusOK
}

// Allowed returns the methods the path template matching path declares,
// sorted, with HEAD added where GET is declared: the value of an Allow
// header for a 405. It returns nil when no template matches.
func (s *Spec) Allowed(path string) []string {
	item, _ := s.router.match(path)
	if item == nil {
		return nil
	}
	return item.allow
}

// Operation is one method of one path of the document.
type Operation struct {
	// ID is the operationId ("" when the document gives none).
	ID string
	// Method is the upper-case HTTP method.
	Method string
	// Path is the path template as written in the document.
	Path string

	params    []*parameter
	body      *requestBody
	responses []*response
	plan      *ScanPlan
}

// Key returns "METHOD /path", which names the operation in configuration
// when it has no operationId.
func (op *Operation) Key() string { return op.Method + " " + op.Path }

// Name returns the operationId, or Key when there is none.
func (op *Operation) Name() string {
	if op.ID != "" {
		return op.ID
	}
	return op.Key()
}

// Plan returns the scan plan compiled for the operation at Load. It is
// valid only for a request that passed ValidateRequest in full: see
// ScanPlan.
func (op *Operation) Plan() *ScanPlan { return op.plan }
