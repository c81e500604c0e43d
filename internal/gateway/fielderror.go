package gateway

import (
	"errors"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/config"
)

// fieldError is a failure to build the gateway that one configuration field
// caused: a certificate that does not parse, an environment variable that is
// not set. configError turns it into a config.FieldError with the field's
// line, so `rampart validate` and `rampart serve` report it the way they
// report validation errors.
type fieldError struct {
	field string // a config path such as "listen.tls.cert_file"; "" for the whole file
	err   error
	// trim is a prefix of err's message that the field already says
	// ("audit: " under audit.hmac_key_file).
	trim string
}

func (e *fieldError) Error() string {
	if e.field == "" {
		return e.message()
	}
	return e.field + ": " + e.message()
}

func (e *fieldError) Unwrap() error { return e.err }

func (e *fieldError) message() string { return strings.TrimPrefix(e.err.Error(), e.trim) }

// atField blames field for err (nil stays nil).
func atField(field string, err error) error {
	if err == nil {
		return nil
	}
	return &fieldError{field: field, err: err}
}

// atFieldTrim is atField for errors whose message starts with a package
// prefix that would repeat the field's section.
func atFieldTrim(field, trim string, err error) error {
	if err == nil {
		return nil
	}
	return &fieldError{field: field, err: err, trim: trim}
}

// runtimeError is a failure of the running system met while building,
// such as an identity provider that does not answer the first JWKS fetch
// an issuer requires. Check cannot meet it (it reaches nothing), so serve
// must not present it as the file's fault: configError leaves it alone even
// when a section wraps it with its field.
type runtimeError struct{ err error }

func (e *runtimeError) Error() string { return e.err.Error() }
func (e *runtimeError) Unwrap() error { return e.err }

// configError turns a failure to build cfg into config.Errors when the
// configuration caused it, located at the most precise field blamed
// (sections blame their whole block; the step that read a file blames that
// file's field). Failures of the running system, such as a port in use or
// Redis refusing a login, blame no field and are returned unchanged.
func configError(cfg *config.Config, err error) error {
	if err == nil {
		return nil
	}
	var errs config.Errors
	var rt *runtimeError
	if errors.As(err, &errs) || errors.As(err, &rt) {
		return err
	}
	var fe *fieldError
	if !errors.As(err, &fe) {
		return err
	}
	for {
		var inner *fieldError
		if !errors.As(fe.err, &inner) || inner.field == "" {
			break
		}
		fe = inner
	}
	return config.Errors{cfg.FieldError(fe.field, fe.message())}
}

// sortedErrors joins the config errors of independent checks in file
// order, as config.Load reports them.
func sortedErrors(errs config.Errors) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return errs
}
