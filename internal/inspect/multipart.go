package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
)

// multipart reports the inputs of a multipart/form-data body: for each
// part, its field name when not plain, its file name, and its content:
// always for a plain field (upstreams read those as strings whatever
// their declared type), and for a file only when declared text/*, JSON or
// XML. JSON and XML contents are parsed as such, their inputs named after
// the field ("meta/user/name"). At most MaxInputs parts are read.
func (e *extractor) multipart(body []byte, params map[string]string) error {
	boundary := params["boundary"]
	if boundary == "" {
		return newError(CodeMalformedMultipart, "multipart", errors.New("multipart body without a boundary parameter"))
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for parts := 0; ; parts++ {
		// NextPart decodes a quoted-printable part, the one standard
		// decoding of its content.
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return newError(CodeMalformedMultipart, "multipart", fmt.Errorf("reading part %d: %w", parts+1, err))
		}
		if parts >= e.lim.MaxInputs {
			return newError(CodeTooManyInputs, "multipart", fmt.Errorf("more than %d parts", e.lim.MaxInputs))
		}
		err = e.part(p, parts+1)
		p.Close()
		if err != nil {
			return err
		}
	}
}

func (e *extractor) part(p *multipart.Part, n int) error {
	// Content-Disposition is parsed here rather than with p.FormName and
	// p.FileName: FileName keeps only the base name, and a file name of
	// "../../etc/passwd" is exactly what a path traversal detector must see.
	var name, filename string
	var isFile bool
	if cd := p.Header.Get("Content-Disposition"); cd != "" {
		_, dparams, err := mime.ParseMediaType(cd)
		if err != nil {
			return newError(CodeMalformedMultipart, "multipart", fmt.Errorf("part %d: parsing Content-Disposition: %w", n, err))
		}
		name = dparams["name"]
		filename, isFile = dparams["filename"]
	}
	if !plainName(name) && name != "" {
		if err := e.emit(Multipart, name, name, true); err != nil {
			return err
		}
	}
	if filename != "" {
		if err := e.emit(Multipart, name+";filename", filename, false); err != nil {
			return err
		}
	}
	kind := kindPlain
	if ct := p.Header.Get("Content-Type"); ct != "" {
		mediaType, params, err := parseContentType(ct, location(Multipart, name))
		if err != nil {
			return err
		}
		kind = classify(mediaType)
		if (kind == kindJSON || kind == kindXML) && !utf8Charset(params) {
			return newError(CodeUnsupportedMediaType, location(Multipart, name), fmt.Errorf("part %d: charset %q", n, params["charset"]))
		}
	} else if isFile {
		kind = kindBinary // RFC 7578 §4.4: a file's default type is application/octet-stream
	}
	switch kind {
	case kindJSON, kindXML, kindPlain, kindOtherText:
	default:
		if isFile {
			return nil
		}
		kind = kindPlain
	}
	data, err := io.ReadAll(p)
	if err != nil {
		return newError(CodeMalformedMultipart, location(Multipart, name), fmt.Errorf("reading part %d: %w", n, err))
	}
	return e.content(kind, true, name, data)
}
