package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// MaxFileBytes bounds a spec file, MaxFetchBytes a document fetched from the
// target.
const (
	MaxFileBytes  = 32 << 20
	MaxFetchBytes = 8 << 20
)

// Options tune how operations are derived.
type Options struct {
	// AdminEndpoints mark operations as AdminOnly besides the naming rules:
	// "GET /api/reports/export" (method and path), "/api/ops/*" (every
	// method; path.Match patterns, * stops at /).
	AdminEndpoints []string
	// TargetPath is the target URL's path. The spec's server path ("/v1")
	// is prefixed to every operation unless the target already ends with it.
	TargetPath string
}

// Error is a document that could not be read: Source is the file or URL,
// Line (1-based) is set when the position is known.
type Error struct {
	Source string
	Line   int
	Column int
	Msg    string
	Err    error // ErrNotOpenAPI, or nil
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Source, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Source, e.Msg)
}

// ErrNotOpenAPI is wrapped by the *Error for a well-formed document that is
// not OpenAPI 3 or Swagger 2 (no openapi/swagger version field).
var ErrNotOpenAPI = errors.New("not an OpenAPI 3 or Swagger 2.0 document")

// LoadFile reads the spec file at path and returns its operations.
func LoadFile(path string, opts Options) ([]core.Operation, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("spec file: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("spec file %s is a directory", path)
	}
	if info.Size() > MaxFileBytes {
		return nil, &Error{Source: path, Msg: fmt.Sprintf("larger than %d MiB", MaxFileBytes>>20)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec file: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("spec file: %w", err)
	}
	return parse(data, path, &url.URL{Path: filepath.ToSlash(abs)}, opts)
}

// Parse reads a document received from source (a URL, for messages). It
// may not $ref anything outside itself.
func Parse(data []byte, source string, opts Options) ([]core.Operation, error) {
	if len(data) > MaxFetchBytes {
		return nil, &Error{Source: source, Msg: fmt.Sprintf("larger than %d MiB", MaxFetchBytes>>20)}
	}
	return parse(data, source, nil, opts)
}

// parse checks the syntax (for a precise position), the version, then lets
// kin-openapi model the document. location is the file's absolute path when
// local $refs may be followed; nil forbids external $refs.
func parse(data []byte, source string, location *url.URL, opts Options) (ops []core.Operation, err error) {
	version, err := sniff(data, source)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Bad input never panics the scan, whatever the library does.
		if r := recover(); r != nil {
			ops, err = nil, &Error{Source: source, Msg: "the OpenAPI library could not read this document"}
		}
	}()
	var doc *openapi3.T
	if version.swagger {
		doc, err = loadSwagger(data, source)
	} else {
		doc, err = loadOpenAPI(data, location)
	}
	if err != nil {
		e := &Error{Source: source, Msg: trimKinError(err)}
		if m := kinLine.FindStringSubmatch(e.Msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		return nil, e
	}
	return operations(doc, opts), nil
}

func loadOpenAPI(data []byte, location *url.URL) (*openapi3.T, error) {
	l := openapi3.NewLoader()
	l.Context = context.Background()
	if location == nil {
		l.IsExternalRefsAllowed = false
		l.ReadFromURIFunc = refuseExternal
		return l.LoadFromData(data)
	}
	l.IsExternalRefsAllowed = true
	l.ReadFromURIFunc = readLocalFile
	return l.LoadFromDataWithPath(data, location)
}

// readLocalFile follows $refs to local files only: a spec may split its
// schemas over files, but a $ref to a URL would make the scanner fetch
// from wherever the document says, outside the scan's scope.
func readLocalFile(l *openapi3.Loader, u *url.URL) ([]byte, error) {
	if (u.Scheme != "" && u.Scheme != "file") || u.Host != "" {
		return nil, fmt.Errorf("$ref to %s: only local files may be referenced", u.Redacted())
	}
	p := filepath.FromSlash(u.Path)
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxFileBytes {
		return nil, fmt.Errorf("$ref to %s: larger than %d MiB", u.Path, MaxFileBytes>>20)
	}
	return os.ReadFile(p)
}

func refuseExternal(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
	return nil, fmt.Errorf("$ref to %s: a document from the target may not reference other documents", u.Redacted())
}

func loadSwagger(data []byte, source string) (*openapi3.T, error) {
	js := data
	if !looksJSON(data) {
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("converting YAML to JSON: %w", err)
		}
		js = b
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(js, &doc2); err != nil {
		return nil, err
	}
	return openapi2conv.ToV3(&doc2)
}

// docVersion is what sniff found.
type docVersion struct {
	swagger bool
	version string
}

var (
	yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	kinLine  = regexp.MustCompile(`^(?:yaml error: )?yaml: (?:construct errors: )?line (\d+): (.*)$`)
)

// sniff checks the syntax with positions and reads the version field.
func sniff(data []byte, source string) (docVersion, error) {
	var head struct {
		OpenAPI any `json:"openapi" yaml:"openapi"`
		Swagger any `json:"swagger" yaml:"swagger"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return docVersion{}, &Error{Source: source, Msg: "empty document"}
	}
	if looksJSON(data) {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field == "" {
				return docVersion{}, &Error{Source: source, Msg: ErrNotOpenAPI.Error() + " (not an object at the top level)", Err: ErrNotOpenAPI}
			}
			return docVersion{}, jsonError(data, source, err)
		}
		if raw, ok := top["openapi"]; ok {
			_ = json.Unmarshal(raw, &head.OpenAPI)
		}
		if raw, ok := top["swagger"]; ok {
			_ = json.Unmarshal(raw, &head.Swagger)
		}
	} else {
		var node yaml.Node
		if err := yaml.Unmarshal(data, &node); err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				line, _ := strconv.Atoi(m[1])
				return docVersion{}, &Error{Source: source, Line: line, Msg: m[2]}
			}
			return docVersion{}, &Error{Source: source, Msg: msg}
		}
		if len(node.Content) == 0 || node.Content[0].Kind != yaml.MappingNode {
			return docVersion{}, &Error{Source: source, Msg: ErrNotOpenAPI.Error() + " (not a mapping at the top level)", Err: ErrNotOpenAPI}
		}
		if err := node.Decode(&head); err != nil {
			return docVersion{}, &Error{Source: source, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		}
	}
	o, _ := head.OpenAPI.(string)
	sw := fmt.Sprint(head.Swagger)
	switch {
	case strings.HasPrefix(o, "3."):
		return docVersion{version: o}, nil
	case head.Swagger != nil && (sw == "2.0" || sw == "2"):
		return docVersion{swagger: true, version: "2.0"}, nil
	case head.OpenAPI != nil:
		return docVersion{}, &Error{Source: source, Msg: fmt.Sprintf("openapi version %v is not supported (want 3.0 or 3.1)", head.OpenAPI)}
	case head.Swagger != nil:
		return docVersion{}, &Error{Source: source, Msg: fmt.Sprintf("swagger version %v is not supported (want 2.0)", head.Swagger)}
	}
	return docVersion{}, &Error{Source: source, Msg: ErrNotOpenAPI.Error() + " (no openapi or swagger field)", Err: ErrNotOpenAPI}
}

func looksJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// jsonError places a JSON syntax error at its line and column.
func jsonError(data []byte, source string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return &Error{Source: source, Msg: err.Error()}
	}
	off = min(max(off, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return &Error{Source: source, Line: line, Column: col, Msg: err.Error()}
}

// trimKinError keeps kin-openapi's message but drops the library's
// wrapping noise and bounds its length (it may quote the document).
func trimKinError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "failed to unmarshal data: ")
	if len(msg) > 400 {
		msg = msg[:400] + "…"
	}
	return msg
}
