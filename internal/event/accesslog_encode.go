package event

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// The access line is encoded by hand rather than through log/slog: it has a
// fixed set of fields, so the keys and constant values are rendered once,
// here, and a request only appends its own values. slog's JSON handler cost
// ~2 µs and 3 allocations per line (a mutex held while encoding, ReplaceAttr
// per attribute, an attribute slice past five); this costs a fraction of it
// with none.
//
// The bytes are the ones slog's JSON handler produced for the same Outcome,
// field order included, so nothing downstream (ingest pipelines, grep-based
// alerting) sees a change; accesslog_*_test.go checks this byte for byte
// against a copy of the slog encoder.
const (
	accessLineStart = `{"@timestamp":"`
	// accessLineConst follows the timestamp: every field whose value never
	// changes, then the key of the first variable one.
	accessLineConst = `","log.level":"INFO","message":"request","ecs.version":"` + ecsVersion +
		`","event.dataset":"rampart.access","event.duration":`
	accessKeyUpstream  = `,"rampart.upstream_duration":`
	accessKeyVerdict   = `,"rampart.verdict":`
	accessKeyRequestID = `,"http.request.id":`
	accessKeyMethod    = `,"http.request.method":`
	accessKeyPath      = `,"url.path":`
	accessKeyStatus    = `,"http.response.status_code":`
	accessKeyBytesIn   = `,"http.request.body.bytes":`
	accessKeyBytesOut  = `,"http.response.body.bytes":`
	accessKeyDomain    = `,"url.domain":`
	accessKeyClientIP  = `,"client.ip":"`
	accessKeyUserID    = `,"user.id":`
	accessKeyUserAgent = `,"user_agent.original":`
	accessKeyRouteAPI  = `,"rampart.route.api":`
	accessKeyRouteName = `,"rampart.route.name":`
	accessKeyDenials   = `,"rampart.denials":[`
	accessLineEnd      = "}\n"
)

// appendAccessLine appends o's access line, newline included, to dst. ts is
// the request start (o.Time, or now when o carries none).
func appendAccessLine(dst []byte, o *pipeline.Outcome, ts time.Time) []byte {
	dst = append(dst, accessLineStart...)
	dst = ts.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, accessLineConst...)
	dst = strconv.AppendInt(dst, int64(o.Latency), 10)
	dst = append(dst, accessKeyUpstream...)
	dst = strconv.AppendInt(dst, int64(o.Upstream), 10)
	dst = append(dst, accessKeyVerdict...)
	dst = appendJSONString(dst, string(o.Verdict))
	dst = append(dst, accessKeyRequestID...)
	dst = appendJSONString(dst, o.RequestID)
	dst = append(dst, accessKeyMethod...)
	dst = appendJSONString(dst, o.Method)
	dst = append(dst, accessKeyPath...)
	dst = appendJSONString(dst, truncate(o.Path, maxLoggedPath))
	dst = append(dst, accessKeyStatus...)
	dst = strconv.AppendInt(dst, int64(o.Status), 10)
	dst = append(dst, accessKeyBytesIn...)
	dst = strconv.AppendInt(dst, o.BytesIn, 10)
	dst = append(dst, accessKeyBytesOut...)
	dst = strconv.AppendInt(dst, o.BytesOut, 10)

	if host := hostOnly(o.Host); host != "" {
		dst = append(dst, accessKeyDomain...)
		dst = appendJSONString(dst, truncate(host, maxLoggedHost))
	}
	if o.Client.IsValid() {
		dst = append(dst, accessKeyClientIP...)
		if o.Client.Zone() == "" {
			// Digits, hex letters, ':' and '.' only: nothing to escape.
			dst = o.Client.AppendTo(dst)
		} else {
			// An IPv6 zone ("fe80::1%eth0") is free text to netip.
			dst = appendJSONChars(dst, o.Client.String(), false)
		}
		dst = append(dst, '"')
	}
	if o.Identity != nil && o.Identity.Subject != "" {
		dst = append(dst, accessKeyUserID...)
		dst = appendJSONString(dst, o.Identity.Subject)
	}
	if o.UserAgent != "" {
		dst = append(dst, accessKeyUserAgent...)
		dst = appendJSONString(dst, truncate(o.UserAgent, maxLoggedUserAgent))
	}
	if o.Route.API != "" {
		dst = append(dst, accessKeyRouteAPI...)
		dst = appendJSONString(dst, o.Route.API)
	}
	if o.Route.Route != "" {
		dst = append(dst, accessKeyRouteName...)
		dst = appendJSONString(dst, o.Route.Route)
	}
	if len(o.Denials) > 0 {
		dst = append(dst, accessKeyDenials...)
		for i := range o.Denials {
			if i > 0 {
				dst = append(dst, ',')
			}
			// "guard/rule" without building the string: escaping the two
			// halves apart gives the same bytes as escaping them joined, as
			// the ASCII '/' between them cannot be part of a UTF-8 sequence.
			// slog encoded this []string with encoding/json, hence its
			// escape style (\b, \f).
			dst = append(dst, '"')
			dst = appendJSONChars(dst, o.Denials[i].Guard, true)
			dst = append(dst, '/')
			dst = appendJSONChars(dst, o.Denials[i].Rule, true)
			dst = append(dst, '"')
		}
		dst = append(dst, ']')
	}
	return append(dst, accessLineEnd...)
}

// appendJSONString appends s as a quoted JSON string, escaped as slog's JSON
// handler escapes strings.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, s, false)
	return append(dst, '"')
}

const lowerHex = "0123456789abcdef"

// appendJSONChars appends the body of a JSON string holding s (no quotes).
//
// Every control character is escaped, so a CR or LF in a client's path or
// user agent cannot end the line and forge a second record (log injection,
// CWE-117); so are '"' and '\\', so no value can close its string early.
// Invalid UTF-8 becomes U+FFFD, one per bad byte, so the line stays valid
// UTF-8 JSON whatever bytes the client sent. U+2028 and U+2029 are escaped
// because JavaScript treats them as line terminators. '<', '>' and '&' are
// kept as they are: access lines are read by SIEMs and people, not rendered
// into HTML, and slog never escaped them (JSONLSink does not either).
//
// shortBF picks encoding/json's \b and \f over slog's \u0008 and \u000c
// (both are valid JSON; it only keeps the bytes what they were).
func appendJSONChars(dst []byte, s string, shortBF bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch {
			case b == '"' || b == '\\':
				dst = append(dst, '\\', b)
			case b == '\n':
				dst = append(dst, '\\', 'n')
			case b == '\r':
				dst = append(dst, '\\', 'r')
			case b == '\t':
				dst = append(dst, '\\', 't')
			case shortBF && b == '\b':
				dst = append(dst, '\\', 'b')
			case shortBF && b == '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[b>>4], lowerHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', lowerHex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}
