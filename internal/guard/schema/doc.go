// Package schema is the guard that enforces an API's OpenAPI document
// (package openapi): Rampart's positive security model. What the document
// does not describe does not reach the upstream.
//
//	spec, err := openapi.Load("openapi.yaml")
//	g, err := schema.New(schema.Config{Spec: spec, ResponseValidation: schema.Monitor})
//	stages = append(stages, pipeline.Stage{Guard: g})
//
// # Requests
//
// Check matches the request (after Config.PathPrefix is stripped) to an
// operation and validates it, refusing with RFC 9457 problems:
//
//	404 undocumented_endpoint   no path of the document matches (OWASP API9:2023)
//	405 method_not_allowed      the path declares other methods (Allow header)
//	400 invalid_parameter       a path, query, header or cookie parameter
//	415 unsupported_media_type  a Content-Type the operation does not accept
//	400 mass_assignment         a read-only property in the body (API3:2023, CWE-915)
//	400 invalid_body            the body breaks its schema, is missing or not allowed
//
// The detail names the input and a generic reason ("Invalid request:
// /query/limit must be an integer."), never the schema's pattern or enum
// nor the value; the denial's Evidence holds the location ("query.limit",
// "body./user/email"), the pointer and the operation.
//
// Every JSON request body, with or without a document, is first hardened
// with inspect.CheckJSON under Config.JSONLimits (depth, members, array
// and string lengths, duplicate keys, invalid UTF-8): a refusal carries
// the inspect error's code as its rule and its public text. Bodies are
// read through pipeline.ReadBody, at most Config.MaxBodyBytes (413
// beyond); bodies of media types that are not validated (multipart,
// binary) are not read at all.
//
// # Modes
//
// Config.Mode applies to every operation, Config.Operations overrides it
// per operation (by operationId or "METHOD /path"): enforce refuses,
// monitor reports and lets the request through, off does not validate
// (JSON hardening still applies). Config.Undocumented does the same for
// 404 and 405. The Chain's monitor mode (Stage.Mode) is per guard; a
// per-operation monitor sets Denial.Monitor, so the Chain records the
// denial as monitored, flags the Outcome and lets the request go on.
//
// # Responses
//
// With Config.ResponseValidation on, ObserveResponse reads a bounded,
// uncompressed JSON response (and puts it back byte for byte) and
// validates it against the operation's response schema: members the
// schema does not declare raise a "schema.response_undeclared_field" Event
// (OWASP API3:2023, excessive data exposure: an order leaking
// card_number), values that break it a "schema.response_invalid" Event.
// Evidence names pointers ("/orders/*/card_number"), never values. In
// enforce mode the response is also failed (the proxy answers 502).
//
// # Scan plan
//
// A request that passed validation of an operation in enforce mode
// carries the operation's openapi.ScanPlan in its context: PlanFor (or
// openapi.PlanFromContext) hands it to the injection detector, which may
// then skip inputs the schema has already constrained to safe values. In
// monitor and off modes, and for refused requests, there is no plan.
package schema
