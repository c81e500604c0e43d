package pipeline

import "net/http"

// ObserveResponse hands an upstream response to the response observers of
// the chain that admitted its request. A proxy shared by several chains (one
// per route) calls this from ReverseProxy.ModifyResponse; outside a chain it
// does nothing.
func ObserveResponse(resp *http.Response) error {
	if resp == nil || resp.Request == nil {
		return nil
	}
	s := StateOf(resp.Request.Context())
	if s == nil || s.chain == nil {
		return nil
	}
	return s.chain.ObserveResponse(resp)
}
