// Package gateway is Rampart's composition root: it turns a config.Config
// into running parts — one pipeline.Chain per route with the guards in their
// fixed order, one proxy per API, the sinks, the listeners and the admin
// endpoint — and owns their life cycle (start, SIGHUP reload, drain).
//
// It is the only package that knows every concrete implementation; the
// packages it wires take their own small Config structs and never import
// config.
package gateway
