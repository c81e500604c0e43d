package exposure

// Kind names what an analyser found.
type Kind string

// Kinds of sensitive data and leaks.
const (
	KindCard          Kind = "card_number"
	KindCVV           Kind = "card_cvv"
	KindSSN           Kind = "us_ssn"
	KindJWT           Kind = "jwt"
	KindAWSKey        Kind = "aws_access_key"
	KindPrivateKey    Kind = "private_key"
	KindPasswordHash  Kind = "password_hash"
	KindSecretField   Kind = "secret_field"
	KindURLCredential Kind = "url_credentials"
	KindStackTrace    Kind = "stack_trace"
	KindSQLError      Kind = "sql_error"
	KindDebugPage     Kind = "debug_page"
)

// Match is one thing an analyser found. Value is the matched text itself:
// callers mask it (probe.Mask) before it goes anywhere.
type Match struct {
	Kind   Kind
	Field  string // JSON path ("orders[].card_number"), "" in text
	Value  string
	Detail string // "Visa", "Go stack trace", "SQLite"
}

// maxMatches bounds what one body yields: a dump of a million cards is
// proven by the first few.
const maxMatches = 64

// maxValueLen bounds a matched value kept for masking and evidence.
const maxValueLen = 256

func clip(s string) string {
	if len(s) > maxValueLen {
		return s[:maxValueLen]
	}
	return s
}
