package ratelimit

import (
	"context"
	"net/http"
)

// admitted carries an admitted request's RateLimit-Policy and RateLimit
// fields from Check to ObserveResponse. It is the request's context (one
// allocation, where context.WithValue would cost two, and it also backs the
// header values) and answers only its own guard's key, so that several
// rate-limit guards on one route each find their own fields.
type admitted struct {
	context.Context
	g *Guard
	// fields are the RateLimit-Policy and RateLimit values.
	fields [2]string
}

// admittedKey is the context key of one guard's fields.
type admittedKey struct{ g *Guard }

// Value returns a for its guard's key and defers to the parent otherwise.
func (a *admitted) Value(key any) any {
	if k, ok := key.(admittedKey); ok && k.g == a.g {
		return a
	}
	return a.Context.Value(key)
}

// ObserveResponse adds the RateLimit-Policy and RateLimit fields of an
// admitted request to its upstream response (the proxy calls it before the
// client sees the response). Fields the upstream sent itself are kept:
// Rampart's members are added to the lists, and a client reads them
// together. Requests this guard refused, or whose policies all send fields
// on refusal only, are left alone.
func (g *Guard) ObserveResponse(r *http.Request, resp *http.Response) error {
	if g.admittedHeaders == 0 {
		return nil
	}
	a, ok := r.Context().Value(admittedKey{g}).(*admitted)
	if !ok {
		return nil
	}
	if resp.Header == nil {
		resp.Header = make(http.Header, 2)
	}
	addField(resp.Header, "Ratelimit-Policy", a.fields[0:1:1])
	addField(resp.Header, "Ratelimit", a.fields[1:2:2])
	return nil
}

// addField adds vals to h[name]. When h has no such field it takes vals
// itself, backed by the request's admitted record: no allocation.
func addField(h http.Header, name string, vals []string) {
	if old := h[name]; len(old) > 0 {
		h[name] = append(old, vals...)
		return
	}
	h[name] = vals
}
