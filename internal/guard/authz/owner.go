package authz

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// checkOwner enforces an ownership rule (OWASP API1:2023, BOLA): the
// parameter naming the object's owner must equal the identity's claim.
// OwnerRule documents what happens when the parameter is absent.
func (g *Guard) checkOwner(r *http.Request, id *pipeline.Identity, c *rule) *pipeline.Denial {
	o := c.owner
	if holdsAny(id.Scopes, o.overrideScopes) || holdsAny(id.Roles, o.overrideRoles) {
		return nil
	}
	claim := claimOf(id, o.claim)
	if !claim.present() {
		return notOwner(fmt.Errorf("%s: the identity has no claim %q to own objects by", c.where, o.claim))
	}
	switch o.in {
	case InPath:
		v, ok := o.template.match(r.URL, o.segment)
		if !ok {
			return notOwner(fmt.Errorf("%s: path %q does not match template %q", c.where, r.URL.EscapedPath(), o.template.raw))
		}
		if !claim.matches(v) {
			return notOwner(fmt.Errorf("%s: path parameter %s=%q is not the identity's %s", c.where, o.param, v, o.claim))
		}
		return nil
	case InQuery:
		found, mismatch, foreign := 0, false, ""
		ok := queryValues(r.URL.RawQuery, o.param, func(v string) {
			found++
			if !mismatch && !claim.matches(v) {
				mismatch, foreign = true, v
			}
		})
		switch {
		case !ok:
			return notOwner(fmt.Errorf("%s: query string cannot be decoded", c.where))
		case found == 0:
			return notOwner(fmt.Errorf("%s: query parameter %s is missing", c.where, o.param))
		case mismatch:
			return notOwner(fmt.Errorf("%s: query parameter %s=%q is not the identity's %s", c.where, o.param, foreign, o.claim))
		}
		return nil
	default:
		return g.checkBodyOwner(r, c, claim)
	}
}

// checkBodyOwner reads the JSON body (bounded), puts it back for the proxy
// and checks every value the owner pointer reaches.
func (g *Guard) checkBodyOwner(r *http.Request, c *rule, claim claimValue) *pipeline.Denial {
	o := c.owner
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	if r.ContentLength > g.maxBody {
		return bodyTooLarge(r, fmt.Errorf("%s: content-length %d exceeds the %d bytes an owner check reads", c.where, r.ContentLength, g.maxBody))
	}
	// An upstream may take its owner from a form or multipart body the
	// guard does not parse: only JSON bodies are checked, others refused.
	// Two Content-Type headers are refused too: which one wins is up to
	// the upstream.
	if ct := r.Header["Content-Type"]; len(ct) > 1 || len(ct) == 1 && !isJSONMediaType(ct[0]) {
		return notOwner(fmt.Errorf("%s: body of type %q is not JSON; an owner field in it cannot be checked", c.where, ct))
	}
	data, err := readBody(r, g.maxBody)
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) || errors.Is(err, errBodyTooLarge) {
			return bodyTooLarge(r, fmt.Errorf("%s: %w", c.where, err))
		}
		return &pipeline.Denial{Status: http.StatusBadRequest, Code: "bad_request",
			PublicMessage: "The request body could not be read.", Rule: RuleBodyUnreadable,
			Cause: fmt.Errorf("%s: reading the body for an owner check: %w", c.where, err)}
	}
	if isBlank(data) {
		return nil
	}
	mismatch, foreign, foreignScalar := false, "", false
	err = pointerValues(data, o.pointer, func(v string, scalar bool) {
		if !mismatch && (!scalar || !claim.matches(v)) {
			mismatch, foreign, foreignScalar = true, v, scalar
		}
	})
	switch {
	case err != nil:
		return notOwner(fmt.Errorf("%s: body is not one well-formed JSON value: %w", c.where, err))
	case mismatch && !foreignScalar:
		return notOwner(fmt.Errorf("%s: body field %s is not a string or number", c.where, o.param))
	case mismatch:
		return notOwner(fmt.Errorf("%s: body field %s=%q is not the identity's %s", c.where, o.param, foreign, o.claim))
	}
	return nil // found or absent: an absent body field passes (see checkOwner)
}

// holdsAny reports whether held contains one of want.
func holdsAny(held, want []string) bool {
	for _, w := range want {
		if slices.Contains(held, w) {
			return true
		}
	}
	return false
}

func notOwner(cause error) *pipeline.Denial {
	return forbidden(RuleNotOwner, CategoryBOLA, pipeline.SeverityHigh, cause)
}

// bodyTooLarge answers 413 as the bodylimit guard does: a body too large to
// check is refused, not waved through. On HTTP/1.x the connection is closed
// so net/http does not read on through the rest of the body first.
func bodyTooLarge(r *http.Request, cause error) *pipeline.Denial {
	d := &pipeline.Denial{
		Status:        http.StatusRequestEntityTooLarge,
		Code:          "body_too_large",
		PublicMessage: "The request body is too large.",
		Rule:          RuleBodyTooLarge,
		Category:      "API4:2023",
		Cause:         cause,
	}
	if r.ProtoMajor == 1 {
		d.Header = http.Header{"Connection": {"close"}}
	}
	return d
}
