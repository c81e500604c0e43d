package schema

import (
	"fmt"

	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
)

// DefaultMaxBodyBytes is the largest request body read for hardening and
// validation when Config.MaxBodyBytes is 0: 1 MiB, the body-limit guard's
// default.
const DefaultMaxBodyBytes int64 = 1 << 20

// DefaultMaxResponseBytes is the largest response body read for response
// validation when Config.MaxResponseBytes is 0: 1 MiB.
const DefaultMaxResponseBytes int64 = 1 << 20

// Mode says what the guard does with what it finds.
type Mode uint8

const (
	// ModeDefault is a field's documented default.
	ModeDefault Mode = iota
	// Enforce refuses what does not match (or, for responses, fails them
	// with 502).
	Enforce
	// Monitor reports what does not match and lets it through.
	Monitor
	// Off does not check.
	Off
)

// String returns "enforce", "monitor", "off" or "default".
func (m Mode) String() string {
	switch m {
	case Enforce:
		return "enforce"
	case Monitor:
		return "monitor"
	case Off:
		return "off"
	}
	return "default"
}

// ParseMode parses "enforce", "monitor", "off", or "" (ModeDefault).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "":
		return ModeDefault, nil
	case "enforce":
		return Enforce, nil
	case "monitor":
		return Monitor, nil
	case "off":
		return Off, nil
	}
	return ModeDefault, fmt.Errorf("unknown mode %q (want enforce, monitor or off)", s)
}

func (m Mode) or(def Mode) Mode {
	if m == ModeDefault {
		return def
	}
	return m
}

// Config configures a [Guard].
type Config struct {
	// Spec is the API's OpenAPI document. nil means no positive model:
	// the guard only hardens JSON bodies.
	Spec *openapi.Spec

	// Mode is what a request that does not match its operation gets, for
	// every operation Operations does not name. Default Enforce.
	Mode Mode

	// Operations overrides Mode per operation, keyed by operationId or by
	// "METHOD /path" with the path template as the document writes it
	// ("PATCH /users/me"). A key naming no operation is an error. In
	// enforce mode a request that passed validation carries a scan plan
	// for the injection detector (see PlanFor); in monitor and off modes
	// it does not.
	Operations map[string]Mode

	// Undocumented is what a request for a path the document does not
	// have (404, OWASP API9:2023) or a method its path does not declare
	// (405, with an Allow header) gets: Enforce refuses it (the default),
	// Monitor reports it and lets it through, Off lets it through.
	Undocumented Mode

	// ResponseValidation checks JSON responses against the operation's
	// response schema and reports members it does not declare (OWASP
	// API3:2023, excessive data exposure) and values that break it.
	// Default Off; Monitor reports with an Event; Enforce also fails the
	// response (502), so that the data does not reach the client.
	ResponseValidation Mode

	// JSONLimits bound every JSON request body (depth, members, array
	// length, string and number lengths): see inspect.CheckJSON. Zero
	// fields take inspect's defaults.
	JSONLimits inspect.Limits

	// MaxBodyBytes is the largest request body read, in bytes, for
	// hardening and validation; a longer body that must be read is
	// refused with 413. 0 means DefaultMaxBodyBytes (1 MiB). Bodies of
	// media types that are not validated (multipart, binary) are never
	// read.
	MaxBodyBytes int64

	// MaxResponseBytes is the largest response body read for response
	// validation, in bytes; longer responses are passed on unchecked.
	// 0 means DefaultMaxResponseBytes (1 MiB).
	MaxResponseBytes int64

	// PathPrefix is stripped from the request path before it is matched
	// against the document's paths, for an API whose routes are mounted
	// under a prefix ("/api/v1"). A request outside the prefix is
	// undocumented. Default "" (none).
	PathPrefix string
}
