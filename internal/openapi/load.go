package openapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxSpecFileBytes bounds each file a document and its $refs are read
// from: an OpenAPI document is configuration, and a $ref to /dev/zero or a
// huge file must fail rather than exhaust memory.
const maxSpecFileBytes = 32 << 20

// Load reads the OpenAPI 3.0 or 3.1 document at path (YAML or JSON) with
// every $ref it makes to its own components or to other local files
// (relative to the file that makes them), checks it, and compiles what
// request validation needs: the router, one JSON Schema per parameter,
// request body and response, the mass-assignment view and the scan plans.
//
// A $ref to a URL (http:, https:, or any scheme but file:) is refused: a
// gateway must not fetch its configuration from the network at load
// time. Errors name the file, with the line where the library knows it.
func Load(path string) (*Spec, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", path, err)
	}
	doc, err := loadDocument(abs)
	if err != nil {
		return nil, fmt.Errorf("openapi: loading %s: %w", path, err)
	}
	s, err := build(doc, path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", path, err)
	}
	return s, nil
}

// loadDocument parses and validates the document. Only OpenAPI 3.0.x and
// 3.1.x are accepted: 2.0 (Swagger) has another model and 3.2 keywords
// would be ignored without a word.
func loadDocument(abs string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.IncludeOrigin = true
	loader.ReadFromURIFunc = readLocalFile
	doc, err := loader.LoadFromFile(abs)
	if err != nil {
		return nil, describeLoadError(err)
	}
	switch v := doc.OpenAPI; {
	case strings.HasPrefix(v, "3.0."), strings.HasPrefix(v, "3.1."):
	case v == "":
		return nil, errors.New(`not an OpenAPI 3 document: the "openapi" field is missing (Swagger 2.0 is not supported)`)
	default:
		return nil, fmt.Errorf("openapi version %q is not supported (want 3.0.x or 3.1.x)", v)
	}
	// Examples are documentation: a wrong one must not keep a gateway
	// from starting.
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		if loc := originOf(err); loc != nil && loc.File != "" {
			return nil, fmt.Errorf("invalid document: %s:%d: %w", loc.File, loc.Line, err)
		}
		return nil, fmt.Errorf("invalid document: %w", err)
	}
	return doc, nil
}

// readLocalFile reads the files a document and its $refs name, and
// nothing else: no network (SSRF at load time), no special files.
func readLocalFile(_ *openapi3.Loader, location *url.URL) ([]byte, error) {
	if (location.Scheme != "" && location.Scheme != "file") || location.Host != "" {
		return nil, fmt.Errorf("$ref to %q: only local files may be referenced", location.Redacted())
	}
	name := filepath.Clean(filepath.FromSlash(location.Path))
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSpecFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSpecFileBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxSpecFileBytes>>20)
	}
	return data, nil
}

// originOf returns where in the files the innermost error of err's chain
// that knows it happened. kin-openapi's validation errors carry an Origin
// field (when loaded with IncludeOrigin) but share no interface for it.
func originOf(err error) *openapi3.Location {
	var found *openapi3.Location
	for depth := 0; err != nil && depth < 64; depth++ {
		if loc := originField(err); loc != nil {
			found = loc
		}
		next := errors.Unwrap(err)
		if next == nil {
			if multi, ok := err.(interface{ Unwrap() []error }); ok && len(multi.Unwrap()) > 0 {
				next = multi.Unwrap()[0]
			}
		}
		err = next
	}
	return found
}

// originField reads an error struct's Origin field, if it has one.
func originField(err error) *openapi3.Location {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Origin")
	if !f.IsValid() {
		return nil
	}
	o, ok := f.Interface().(*openapi3.Origin)
	if !ok || o == nil || o.Key == nil || o.Key.Line == 0 {
		return nil
	}
	return o.Key
}

// describeLoadError keeps the loader's message, which names the file and
// the line of a YAML syntax error, and adds the file of a failing $ref
// where the loader only reports the reference.
func describeLoadError(err error) error {
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		return fmt.Errorf("reading %s: %w", pathErr.Path, pathErr.Err)
	}
	return err
}
