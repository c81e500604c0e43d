package authn

import (
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// jwtRemediation names the Rampart configuration that refuses forged
// tokens before they reach the API.
const jwtRemediation = "Verify every token with a pinned algorithm list and the issuer's key; never accept \"none\" or an HMAC algorithm for an issuer that signs with a key pair. " +
	"With Rampart in front, require JWT on the route (apis[].auth or apis[].routes[].auth) and pin authentication.jwt.issuers[].algorithms " +
	"(with jwks_url or key_files): Rampart refuses tokens whose algorithm, signature, expiry, issuer or audience do not check out."

// b64url is the shell helper the curl setups use.
const b64url = `b64url() { base64 | tr '+/' '-_' | tr -d '=\n'; }`

// forged describes one accepted forged credential for a finding.
type forged struct {
	title       string
	cwe         int
	severity    core.Severity
	description string
	setup       string // shell lines that set RAMPART_SECRET; "" when the description explains it
	resp        *core.Response
	note        string // what the forged token was
	remediation string
}

// finding builds a Confirmed finding from the reference and a forged
// credential's accepted answer: the forged exchange, the real one it
// matched, and the control that garbage in the same place was refused.
func (r *reference) finding(check string, f forged) core.Finding {
	fx := f.resp.Exchange
	fx.Note = f.note
	rx := r.real.Exchange
	rx.Note = "the real token of " + r.cred.profile + ": the answer the forged one matched"
	cx := r.control.Exchange
	cx.Note = fmt.Sprintf("control: garbage in the same header got %d", r.control.Status)
	rem := f.remediation
	if rem == "" {
		rem = jwtRemediation
	}
	return core.Finding{
		Check:            check,
		Title:            f.title,
		OWASP:            core.API2Authn,
		CWE:              f.cwe,
		Severity:         f.severity,
		Confidence:       core.Confirmed,
		ConfidenceReason: fmt.Sprintf("the forged credential got the same %d answer as %s's real one, and garbage in its place got %d", f.resp.Status, r.cred.profile, r.control.Status),
		Endpoint:         r.op.Key(),
		Description:      f.description + "\n\nRAMPART_SECRET in the curl command is the forged credential; " + probe.TokenVar(r.cred.profile) + " is a real token of " + r.cred.profile + ".",
		Evidence:         exposure.MaskEvidence(fx, rx, cx),
		Curl:             probe.CurlScript(f.setup, fx.Request),
		Remediation:      rem,
	}
}

// printfJSON is a shell expression printing raw JSON text exactly.
func printfJSON(raw string) string {
	return "printf '%s' '" + strings.ReplaceAll(raw, "'", `'\''`) + "'"
}

// tokenPart is a shell expression for parts of the profile's real token.
func tokenPart(profile, fields string) string {
	return `$(printf '%s' "$` + probe.TokenVar(profile) + `" | cut -d. -f` + fields + `)`
}
