// Package jsonptr parses RFC 6901 JSON pointers and finds, in a JSON
// document, every value a pointer may reach as an upstream's parser would
// read it.
//
// Configurations name a field of a request body with a pointer
// ("/order/owner_id") or, for a top-level member, its bare name
// ("owner_id"); parse them once, at construction:
//
//	p, err := jsonptr.ParseField(cfg.Field) // or Parse for strict RFC 6901
//
// and on the request path walk the body with [Visit]:
//
//	dec := json.NewDecoder(bytes.NewReader(body))
//	dec.UseNumber()
//	err := jsonptr.Visit(dec, p, func(v json.Token) { ... })
//
// Visit is deliberately wider than RFC 6901, which names one value: it
// reports every value an upstream might bind, because that is where an
// attacker hides a second one (see [Visit]). What to make of the values,
// of a syntax error and of trailing data is the caller's security decision.
//
// The package depends on the standard library only, so that every guard
// may use it without importing another guard.
package jsonptr
