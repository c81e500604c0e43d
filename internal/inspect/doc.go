// Package inspect finds every input of an HTTP request, with its location,
// for the injection detector, and refuses bodies that cannot be inspected
// safely.
//
// A detector is only as good as the inputs it is shown: a payload it never
// sees passes, and so does one it sees decoded differently from the
// upstream. [Extract] therefore reports each value an upstream may read
// (path segments, query parameters, chosen headers, cookies, and the
// fields of JSON, form, multipart and XML bodies), decoded exactly once,
// each with a location such as "query.q" or "body./user/name" that
// findings, exclusions and the schema can refer to. Names are inputs too
// when they are not plain (user[$ne], __proto__). Normalisation beyond
// that one decoding is the detector's job.
//
//	err := inspect.Extract(r, body, inspect.Options{}, func(in *inspect.Input) error {
//		if hit := detect(in.Value); hit {
//			return finding(in.Location())
//		}
//		return nil
//	})
//	var ierr *inspect.Error
//	if errors.As(err, &ierr) { /* answer ierr.Status, ierr.Public */ }
//
// # Hardening
//
// Parsing is where a detector's view and an upstream's can part, so
// whatever is ambiguous is refused with a typed [*Error] (status 400, or
// 415 for an unreadable media type) rather than guessed at: malformed
// JSON, XML, form or multipart bodies, duplicate JSON keys, invalid UTF-8
// and unpaired surrogate escapes in JSON, invalid percent-encoding, two
// Content-Type headers, non-UTF-8 JSON or XML. And since inspection runs
// on every request, all of it is bounded by [Limits]: nesting depth,
// object and array sizes, string and number lengths, pointer lengths and
// the number of inputs, with no recursion and no step worse than linear in
// the body's size.
//
// [CheckJSON] is the JSON part of that on its own, for the schema guard:
// one linear pass that allocates nothing on typical bodies. [WalkJSON]
// makes the same checks and reports keys and string values.
//
// The package depends on the standard library only.
package inspect
