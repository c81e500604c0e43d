package inspect

import "net/http"

// Error codes, the stable machine-readable part of an *Error.
const (
	CodeMalformedJSON          = "malformed_json"
	CodeJSONTooDeep            = "json_too_deep"
	CodeJSONTooManyKeys        = "json_too_many_keys"
	CodeJSONArrayTooLong       = "json_array_too_long"
	CodeJSONStringTooLong      = "json_string_too_long"
	CodeJSONNumberTooLong      = "json_number_too_long"
	CodeJSONPathTooLong        = "json_path_too_long"
	CodeDuplicateKey           = "duplicate_key"
	CodeInvalidUTF8            = "invalid_utf8"
	CodeMalformedForm          = "malformed_form"
	CodeMalformedMultipart     = "malformed_multipart"
	CodeMalformedXML           = "malformed_xml"
	CodeXMLTooDeep             = "xml_too_deep"
	CodeXMLPathTooLong         = "xml_path_too_long"
	CodeInvalidPercentEncoding = "invalid_percent_encoding"
	CodeTooManyInputs          = "too_many_inputs"
	CodeUnsupportedMediaType   = "unsupported_media_type"
)

// publicMessages holds the client-safe text of each code. It names what
// was wrong with the request, never how the gateway found out.
var publicMessages = map[string]string{
	CodeMalformedJSON:          "The request body is not valid JSON.",
	CodeJSONTooDeep:            "The JSON body is nested too deeply.",
	CodeJSONTooManyKeys:        "A JSON object in the request body has too many members.",
	CodeJSONArrayTooLong:       "A JSON array in the request body has too many elements.",
	CodeJSONStringTooLong:      "A string in the JSON body is too long.",
	CodeJSONNumberTooLong:      "A number in the JSON body is too long.",
	CodeJSONPathTooLong:        "A member of the JSON body is nested under keys that are too long.",
	CodeDuplicateKey:           "A JSON object in the request body has the same member more than once.",
	CodeInvalidUTF8:            "The JSON body contains invalid UTF-8 or an unpaired surrogate escape.",
	CodeMalformedForm:          "The form body is malformed.",
	CodeMalformedMultipart:     "The multipart body is malformed.",
	CodeMalformedXML:           "The request body is not well-formed XML.",
	CodeXMLTooDeep:             "The XML body is nested too deeply.",
	CodeXMLPathTooLong:         "An element of the XML body is nested under names that are too long.",
	CodeInvalidPercentEncoding: "The request URL contains invalid percent-encoding.",
	CodeTooManyInputs:          "The request has too many parameters, fields or values.",
	CodeUnsupportedMediaType:   "The request body's media type or character set is not supported.",
}

// Error is a request refused because it could not be inspected safely:
// malformed, over a limit, or of a media type the gateway will not guess
// at. The guard that meets it answers with Status and Public; Cause is for
// logs only (it may name offsets, never content).
type Error struct {
	// Status is the HTTP status to answer with: 400, or 415 for
	// unsupported_media_type.
	Status int
	// Code is one of the Code* constants.
	Code string
	// Field is the location of the failing input ("body./user/email",
	// "query.q"), or of the closest enclosing one.
	Field string
	// Public is a client-safe message.
	Public string
	// Cause says what went wrong, for logs.
	Cause error
}

func newError(code, field string, cause error) *Error {
	status := http.StatusBadRequest
	if code == CodeUnsupportedMediaType {
		status = http.StatusUnsupportedMediaType
	}
	return &Error{Status: status, Code: code, Field: field, Public: publicMessages[code], Cause: cause}
}

func (e *Error) Error() string {
	msg := "inspect: " + e.Code
	if e.Field != "" {
		msg += " at " + e.Field
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Cause }
