package inspect

// Source says where in a request an Input was found.
type Source uint8

// The sources of inputs, in the order Extract visits them.
const (
	// Path is one segment of the URL path, percent-decoded once. Name is
	// its 1-based index.
	Path Source = iota + 1
	// Query is a query parameter, or its name (IsKey).
	Query
	// Header is the value of a scanned request header; Name is the
	// canonical header name.
	Header
	// Cookie is a cookie value, or its name (IsKey).
	Cookie
	// Form is a field of an application/x-www-form-urlencoded body.
	Form
	// Multipart is a field, a file name or a text file's content in a
	// multipart/form-data body.
	Multipart
	// JSON is an object key (IsKey) or a string value of a JSON body;
	// Name is its RFC 6901 pointer.
	JSON
	// XML is an element's text or an attribute value of an XML body; Name
	// is its path ("/order/item", "/order/item/@id").
	XML
	// Text is a whole text/plain body (or, with Options.ScanUnknownBodies,
	// a body of another textual type).
	Text
	// XMLDirective is a raw "<!…>" directive of an XML body, such as a
	// <!DOCTYPE …> with its internal subset: entities are never expanded,
	// so the detector sees the declarations an XXE attack relies on.
	XMLDirective
)

// String returns the prefix of the source's locations: "path", "query",
// "header", "cookie", "form", "multipart", "body" (JSON and Text bodies),
// "xml" or "xml.doctype".
func (s Source) String() string {
	switch s {
	case Path:
		return "path"
	case Query:
		return "query"
	case Header:
		return "header"
	case Cookie:
		return "cookie"
	case Form:
		return "form"
	case Multipart:
		return "multipart"
	case JSON, Text:
		return "body"
	case XML:
		return "xml"
	case XMLDirective:
		return "xml.doctype"
	}
	return "unknown"
}

// Input is one value an upstream may read from a request.
type Input struct {
	Source Source
	// Name locates the input within its source: the parameter, field,
	// header or cookie name; a JSON pointer ("/items/0/sku"); an XML path
	// ("/order/item/@id"); the path segment's 1-based index. In a multipart
	// body it is the field name, followed by the JSON pointer or XML path
	// of a JSON or XML part ("meta/user/name"), or ";filename" for the
	// name of an uploaded file ("avatar;filename").
	Name string
	// Value is the input, decoded once (percent-decoding, JSON or XML
	// unescaping, quoted-printable) and otherwise as received.
	Value string
	// IsKey marks a name reported as an input of its own (Value == Name
	// for parameters and fields, the key for JSON): attacks hide in names
	// too (user[$ne], __proto__).
	IsKey bool
}

// Location names the input for reports and configuration: "query.q",
// "body./user/name", "header.User-Agent", "path.2", "cookie.sid",
// "form.name", "xml./order/@id", or the bare source ("body") when Name is
// empty.
func (in *Input) Location() string { return location(in.Source, in.Name) }

func location(s Source, name string) string {
	if name == "" {
		return s.String()
	}
	return s.String() + "." + name
}
