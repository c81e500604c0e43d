package inspect

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// bodyKind is how a body (or a multipart part) is read.
type bodyKind uint8

const (
	kindUnknown bodyKind = iota
	kindBinary
	kindJSON
	kindXML
	kindForm
	kindMultipart
	kindPlain     // text/plain
	kindOtherText // any other text/*
)

// classify maps a media type (lower case, as mime.ParseMediaType returns
// it) to a kind.
func classify(mediaType string) bodyKind {
	switch mediaType {
	case "application/json":
		return kindJSON
	case "application/xml", "text/xml":
		return kindXML
	case "application/x-www-form-urlencoded":
		return kindForm
	case "multipart/form-data":
		return kindMultipart
	case "text/plain":
		return kindPlain
	case "application/octet-stream", "application/pdf", "application/zip", "application/gzip",
		"application/x-gzip", "application/zstd", "application/x-tar", "application/x-7z-compressed",
		"application/wasm", "application/cbor", "application/msgpack", "application/x-msgpack",
		"application/protobuf", "application/x-protobuf", "application/vnd.google.protobuf":
		return kindBinary
	}
	switch {
	case strings.HasSuffix(mediaType, "+json"):
		return kindJSON
	case strings.HasSuffix(mediaType, "+xml"):
		return kindXML
	case strings.HasPrefix(mediaType, "text/"):
		return kindOtherText
	case strings.HasPrefix(mediaType, "image/"), strings.HasPrefix(mediaType, "audio/"),
		strings.HasPrefix(mediaType, "video/"), strings.HasPrefix(mediaType, "font/"),
		strings.HasPrefix(mediaType, "model/"), strings.HasPrefix(mediaType, "application/grpc"):
		return kindBinary
	}
	return kindUnknown
}

// parseContentType parses a Content-Type value. An unparsable one is
// refused (415) rather than guessed at: skipping the body would let any
// upstream that parses it leniently read content nobody inspected.
func parseContentType(value, field string) (string, map[string]string, error) {
	mediaType, params, err := mime.ParseMediaType(value)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return "", nil, newError(CodeUnsupportedMediaType, field, fmt.Errorf("parsing content type: %w", err))
	}
	return mediaType, params, nil
}

// utf8Charset reports whether a charset parameter (absent, or UTF-8 or
// its subset US-ASCII) lets a JSON or XML body be read as UTF-8.
func utf8Charset(params map[string]string) bool {
	cs, ok := params["charset"]
	if !ok {
		return true
	}
	switch strings.ToLower(cs) {
	case "utf-8", "utf8", "us-ascii":
		return true
	}
	return false
}

// body reports the inputs of a non-empty request body.
func (e *extractor) body(h http.Header, body []byte, scanUnknown bool) error {
	types := h.Values("Content-Type")
	if len(types) > 1 {
		// One reader of the message takes the first, another the last:
		// inspect one type and the upstream may parse the other.
		return newError(CodeUnsupportedMediaType, "header.Content-Type", errors.New("more than one Content-Type header"))
	}
	if len(types) == 0 {
		if scanUnknown {
			return e.emit(Text, "", bytesString(body), false)
		}
		return nil
	}
	mediaType, params, err := parseContentType(types[0], "header.Content-Type")
	if err != nil {
		return err
	}
	kind := classify(mediaType)
	switch kind {
	case kindJSON, kindXML:
		if !utf8Charset(params) {
			return newError(CodeUnsupportedMediaType, "header.Content-Type", fmt.Errorf("charset %q", params["charset"]))
		}
	case kindMultipart:
		return e.multipart(body, params)
	case kindUnknown, kindOtherText:
		if !scanUnknown {
			return nil
		}
		kind = kindPlain
	}
	return e.content(kind, false, "", body)
}

// content reports the inputs of a body, or of a multipart part named
// prefix, read as kind.
func (e *extractor) content(kind bodyKind, part bool, prefix string, data []byte) error {
	switch kind {
	case kindJSON:
		src := JSON
		if part {
			src = Multipart
		}
		return walkJSON(data, e.lim, src, prefix, func(ptr string, isKey bool, value string) error {
			if value == "" {
				return nil
			}
			return e.emit(src, prefix+ptr, value, isKey)
		}, true)
	case kindXML:
		return e.xml(data, part, prefix)
	case kindForm:
		return e.pairs(bytesString(data), Form, CodeMalformedForm)
	case kindPlain, kindOtherText:
		if len(data) == 0 {
			return nil
		}
		if part {
			return e.emit(Multipart, prefix, bytesString(data), false)
		}
		return e.emit(Text, "", bytesString(data), false)
	}
	return nil
}
