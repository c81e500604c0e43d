package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Bounds on JSON numbers handed to the schema validator. It compares
// numbers as exact rationals (math/big), whose cost grows with the digits
// and with the exponent: "1e999999" is nine bytes and costs tens of
// milliseconds to compare. No float64 or int64 needs more.
const (
	maxNumberDigits   = 128
	maxNumberExponent = 400
	// maxJSONDepth bounds the recursion of every walk over a decoded
	// body; the schema guard refuses deeper bodies long before (inspect
	// limits), so this only guards direct callers.
	maxJSONDepth = 256
)

var (
	errTrailingData = errors.New("data after the JSON value")
	errTooDeep      = errors.New("nested too deeply")
)

// numberError is a JSON number out of the bounds above, at a location.
type numberError struct{ tokens []string }

func (e *numberError) Error() string { return "number out of range at /" + strings.Join(e.tokens, "/") }

// decodeJSON decodes one JSON value the way the validator expects it:
// numbers as json.Number, nothing after the value, every number within
// bounds.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailingData
	}
	if err := checkNumbers(v, nil, 0); err != nil {
		return nil, err
	}
	return v, nil
}

// checkNumbers walks v and reports the first number out of bounds.
func checkNumbers(v any, tokens []string, depth int) error {
	if depth > maxJSONDepth {
		return errTooDeep
	}
	switch v := v.(type) {
	case json.Number:
		if !numberInBounds(string(v)) {
			return &numberError{tokens: append([]string(nil), tokens...)}
		}
	case map[string]any:
		for k, m := range v {
			if err := checkNumbers(m, append(tokens, k), depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, m := range v {
			if err := checkNumbers(m, append(tokens, strconv.Itoa(i)), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// numberInBounds reports whether a JSON number literal is short and its
// exponent small.
func numberInBounds(s string) bool {
	if len(s) > maxNumberDigits {
		return false
	}
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return true
	}
	exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
	return err == nil && exp >= -maxNumberExponent && exp <= maxNumberExponent
}
