package injection

// Context says where a value came from. Detectors use it to decide whether
// they apply (XXE only means something in an XML directive or a raw text
// body) and how much a signal weighs (a Mongo operator is an attack as a JSON
// key, and a bare private IP address is normal in a header).
type Context uint8

// The contexts a value can come from. The zero value is Text, the most
// general one: every detector that reads free text applies.
const (
	// Text is a raw body or any value of unknown origin.
	Text Context = iota
	// Query is a query-string parameter name or value, already
	// percent-decoded once by the caller.
	Query
	// Path is a path segment or path parameter.
	Path
	// Header is a request header value.
	Header
	// Cookie is a cookie name or value.
	Cookie
	// Form is an application/x-www-form-urlencoded or multipart field name
	// or value.
	Form
	// JSONKey is an object member name in a JSON body.
	JSONKey
	// JSONValue is a string value in a JSON body.
	JSONValue
	// XMLText is character data of an XML element.
	XMLText
	// XMLAttr is an XML attribute value.
	XMLAttr
	// XMLDirective is the text of an XML directive such as <!DOCTYPE …>.
	XMLDirective

	contextCount
)

var contextNames = [contextCount]string{
	Text: "text", Query: "query", Path: "path", Header: "header", Cookie: "cookie", Form: "form",
	JSONKey: "json_key", JSONValue: "json_value", XMLText: "xml_text", XMLAttr: "xml_attr",
	XMLDirective: "xml_directive",
}

// String returns the context's name in snake case ("json_key"), or
// "unknown" for a value outside the defined set.
func (c Context) String() string {
	if c < contextCount {
		return contextNames[c]
	}
	return "unknown"
}

// contextSet is a set of contexts, one bit per Context.
type contextSet uint16

func setOf(cs ...Context) contextSet {
	var s contextSet
	for _, c := range cs {
		s |= 1 << c
	}
	return s
}

// has reports whether c is in s. A Context outside the defined set is
// treated as Text, so a caller's mistake cannot switch detection off.
func (s contextSet) has(c Context) bool {
	if c >= contextCount {
		c = Text
	}
	return s&(1<<c) != 0
}

// allContexts is every defined context.
const allContexts contextSet = 1<<contextCount - 1

// valueContexts are the contexts where a value is free text supplied by the
// client (everything but XML directives, which only the XXE detector reads).
var valueContexts = allContexts &^ setOf(XMLDirective)

// nameContexts are the contexts whose strings can be names a server-side
// parser turns into object keys (JSON member names; query, form and cookie
// names such as user[$ne] or a[__proto__][x]).
var nameContexts = setOf(JSONKey, Query, Form, Cookie)
