// Package injection is the gateway's injection guard: it blocks requests
// that carry SQL, NoSQL, LDAP, XPath or OS command injection, cross-site
// scripting, path traversal, server-side request forgery, template
// injection, JNDI lookups, CRLF injection, XML external entities or
// prototype pollution (OWASP API8:2023; SSRF is API7:2023).
//
// # Engines
//
// Config.Engine picks one of two engines at New:
//
//   - "native" (the default): the request is read once
//     (pipeline.ReadBody), every input is extracted by internal/inspect
//     (path segments, query parameters, chosen headers, cookies when
//     enabled, and JSON, form, multipart and XML bodies, names included),
//     inputs the OpenAPI schema already constrains are skipped
//     (Config.PlanFor), and each remaining value is decoded and scanned by
//     internal/injection in the context it came from. Scores add up over
//     the request; the request is blocked when the total reaches the
//     threshold of the route's sensitivity (low 10, medium 5, high 3).
//   - "crs": the OWASP Core Rule Set v4 on Coraza v3 sees the same request
//     (method, URI, all headers, the body bounded by MaxBodyBytes) at a
//     paranoia level of 1 to 4, with the operator's rule files after it.
//     Coraza runs detection-only; the guard takes its inbound anomaly score,
//     removes excluded matches and compares the rest with the route's
//     threshold. Coraza writes nothing: no audit log, no debug log, no body
//     spooled to disk (multipart file parts it spools are removed when the
//     transaction ends). It is one to two orders of magnitude slower than
//     the native engine (see BenchmarkEngines) and raises more false
//     positives on free text and code (see testdata/cases/benign.yaml).
//
// # Decisions
//
// A detected attack is a 403 with Code "injection_detected" and one generic
// public message: the client learns neither the rule nor the location.
// The Denial carries the highest-scoring rule (native id such as "sqli",
// or CRS id such as "942100"), the highest severity, the category and the
// evidence (see [Guard.Check]); the chain copies them to the Event.
// Requests the guard cannot read safely are refused before any scan: 400
// for a malformed body or URL (the extractor's code and public text),
// 413 for a body over MaxBodyBytes unless Oversize is "scan-prefix", 415
// for an unsupported character set. In monitor mode (pipeline.Monitor) a
// detection is recorded and the request passes.
//
// # Exclusions
//
// Exclusions turn detection off where it misfires, compiled at New: for a
// route or API, an input location (exact, or a prefix ending in "*"), a set
// of rules, or any combination; see [Exclusion]. Native rule ids also
// exclude the CRS rules of the same attack family, so one configuration
// serves both engines.
//
// Usage (detect is internal/injection, the detection engine):
//
//	g, err := injection.New(injection.Config{
//		Sensitivity: detect.Medium,
//		Routes: []injection.RouteSettings{
//			{Route: pipeline.Route{API: "shop", Route: "ids"}, Sensitivity: detect.High},
//		},
//		Exclusions: []injection.Exclusion{
//			{Route: pipeline.Route{API: "shop", Route: "search"}, Location: "body./query_text", Rules: []string{"sqli"}},
//		},
//		// The plan of the operation the schema guard validated in full, or nil.
//		PlanFor: schemaGuard.PlanFor,
//	})
//	if err != nil { ... }
//	stages := []pipeline.Stage{..., {Guard: schemaGuard}, {Guard: g, Mode: pipeline.Enforce}}
package injection
