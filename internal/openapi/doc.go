// Package openapi is Rampart's positive security model: it loads an
// OpenAPI 3.0 or 3.1 document and checks requests against it, so that
// what the API does not document does not reach it.
//
//	spec, err := openapi.Load("openapi.yaml")
//	op, params, status := spec.Find(r.Method, r.URL.EscapedPath())
//	if op == nil { /* 404, or 405 with spec.Allowed(path) */ }
//	if err := op.ValidateRequest(r, params, body); err != nil {
//		// err.Kind, err.Location ("/query/limit"), err.Reason ("must be an integer")
//	}
//
// # What is checked
//
// [Spec.Find] matches the path against the document's templates (a trie
// compiled once; literal segments win over templated ones) and the
// method against the path's operations. [Operation.ValidateRequest]
// checks path, query, header and cookie parameters (decoded by their
// style, a scalar sent twice refused as parameter pollution), the
// Content-Type against the request body's media types, read-only
// properties (mass assignment, OWASP API3:2023, CWE-915: declared
// readOnly in the request schema, or undeclared there and readOnly in the
// operation's successful response) and the body against its schema:
// types, formats, enums, bounds, patterns, required,
// additionalProperties. JSON, form and text/plain bodies are validated;
// other media types (multipart, XML, binary) only by Content-Type.
// Failures name the input as a pointer and a generic reason, never the
// schema's pattern or enum, nor the value. [Operation.ValidateResponse]
// reports response members the schema does not declare (excessive data
// exposure) and values that break it. Each operation's [ScanPlan] tells
// the injection detector which inputs validation has already constrained.
//
// # Validator choice
//
// Two libraries were measured: kin-openapi v0.153.0 (openapi3,
// openapi3filter, routers) and pb33f/libopenapi-validator v0.16.2, on a
// 1.5 KB JSON POST and a GET with query parameters, against an OpenAPI
// 3.0 document (testdata/shop) and the sample API's 3.1 document
// (BenchmarkComparison, median of 3 on a shared 2-core machine, each
// figure including 3.5 µs and 13 allocations of request construction):
//
//	                        kin-openapi     libopenapi-validator   this package
//	3.0 POST 1.5 KB          59 µs   341     133 µs  1196          106 µs  1268
//	3.0 POST, one bad type   53 µs   325     297 µs  2014          121 µs  1281
//	3.0 GET, 5 parameters    13 µs   104      23 µs   150           10 µs    80
//	3.1 POST 1.5 KB         195 µs   789      40 µs   100           16 µs    48
//	3.1 GET, 2 parameters    67 µs   460      15 µs   120            7 µs    59
//
// Both handle the 3.1 keywords checked (type arrays such as
// ["string","null"], const, examples, keywords next to a $ref;
// TestComparison31Features); neither rejects a readOnly property in a 3.1
// request. kin-openapi validates 3.1 schemas by marshaling and compiling
// them to JSON Schema 2020-12 on every call: 5 to 10 times slower on the
// sample API, and the cost grows with the document. libopenapi-validator
// caches compiled schemas but renders the schema and copies the request
// into every error (an invalid body costs twice a valid one, work an
// attacker chooses to cause) and reports parameters in prose.
//
// This package therefore uses kin-openapi's document model (its loader:
// 3.0 and 3.1, YAML and JSON, relative-file $refs, errors with file and
// line; its document validation; its reference internalisation) and
// compiles every schema once, at Load, with santhosh-tekuri/jsonschema
// (the JSON Schema engine kin-openapi itself uses for 3.1): one engine
// for both versions, nothing compiled per request, errors as structured
// keywords mapped to generic reasons. The price is on number-heavy
// bodies: that engine compares numbers as exact rationals, about 1 µs
// each, which makes the 45-number 3.0 body above slower than with
// kin-openapi's float64 3.0 validator. Numbers are bounded before
// validation (128 digits, exponent within ±400): the engine's arithmetic
// on "1e999999" alone costs tens of milliseconds.
//
// OpenAPI 3.0 schemas are compiled as JSON Schema draft 4 (boolean
// exclusiveMinimum, siblings of $ref ignored) with "nullable: true"
// rewritten as a "null" type; 3.1 schemas as draft 2020-12. Formats are
// asserted (uuid, date, date-time, ipv4, ipv6, email, ... and OpenAPI's
// int32 and int64).
//
// Parameters described with content other than one JSON media type,
// object-valued parameters and the label, matrix and deepObject styles
// are not decoded: they are listed by [Spec.Warnings], still checked for
// presence, and never skipped by a scan plan.
package openapi
