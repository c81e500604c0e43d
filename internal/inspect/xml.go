package inspect

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// xml reports the inputs of an XML document: the text of each element
// (trimmed; whitespace-only text skipped), every attribute value (named
// path + "/@" + attribute), and every directive ("<!DOCTYPE …>" with its
// internal subset) and processing instruction other than the XML
// declaration as a raw XMLDirective input. Entities are never
// expanded: encoding/xml knows only the five predefined ones and, in
// strict mode, refuses any other reference, so an XXE payload is either a
// malformed document or a DOCTYPE the detector sees.
//
// An element's text is gathered up to its next child or its end, across
// comments and CDATA sections, as a binder reading its text would see it
// ("SEL<!---->ECT" is "SELECT"). Names are local names: namespace
// prefixes are dropped.
//
// The document must have exactly one root element and no text outside it;
// nesting is bounded by MaxDepth and paths by MaxPathLen.
func (e *extractor) xml(data []byte, part bool, prefix string) error {
	src, dirName := XML, ""
	if part {
		src, dirName = Multipart, prefix
	}
	x := xmlWalker{e: e, src: src, prefix: prefix}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	unsupported := false
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "us-ascii") {
			return in, nil
		}
		unsupported = true
		return nil, fmt.Errorf("charset %q not supported", label)
	}
	roots := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if roots == 0 {
				return x.fail(CodeMalformedXML, errors.New("no root element"))
			}
			return nil
		}
		if err != nil {
			if unsupported {
				return newError(CodeUnsupportedMediaType, location(src, prefix), err)
			}
			return x.fail(CodeMalformedXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(x.stack) == 0 {
				if roots++; roots > 1 {
					return x.fail(CodeMalformedXML, errors.New("more than one root element"))
				}
			}
			if err := x.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			if err := x.end(); err != nil {
				return err
			}
		case xml.CharData:
			if len(x.stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return x.fail(CodeMalformedXML, errors.New("text outside the root element"))
				}
				continue
			}
			x.text = append(x.text, t...)
		case xml.Directive:
			if err := e.emit(XMLDirective, dirName, "<!"+string(t)+">", false); err != nil {
				return err
			}
		case xml.ProcInst:
			// <?xml-stylesheet href="…"?> makes some processors fetch
			// and run a stylesheet; only the XML declaration is left out.
			if t.Target == "xml" {
				continue
			}
			if err := e.emit(XMLDirective, dirName, "<?"+t.Target+" "+string(t.Inst)+"?>", false); err != nil {
				return err
			}
		}
	}
}

// xmlWalker tracks the path of the element being read and its text.
type xmlWalker struct {
	e      *extractor
	src    Source
	prefix string
	path   []byte
	stack  []int // length of path before each open element
	text   []byte
}

func (x *xmlWalker) fail(code string, cause error) error {
	return newError(code, location(x.src, x.prefix+string(x.path)), cause)
}

func (x *xmlWalker) start(t xml.StartElement) error {
	if err := x.flush(); err != nil {
		return err
	}
	if len(x.stack) >= x.e.lim.MaxDepth {
		return x.fail(CodeXMLTooDeep, fmt.Errorf("nesting deeper than %d", x.e.lim.MaxDepth))
	}
	x.stack = append(x.stack, len(x.path))
	x.path = append(x.path, '/')
	x.path = append(x.path, t.Name.Local...)
	if len(x.path) > x.e.lim.MaxPathLen {
		x.path = x.path[:x.stack[len(x.stack)-1]]
		return x.fail(CodeXMLPathTooLong, fmt.Errorf("path longer than %d bytes", x.e.lim.MaxPathLen))
	}
	for _, a := range t.Attr {
		if a.Value == "" {
			continue
		}
		if err := x.e.emit(x.src, x.prefix+string(x.path)+"/@"+attrName(a.Name), a.Value, false); err != nil {
			return err
		}
	}
	return nil
}

func (x *xmlWalker) end() error {
	if err := x.flush(); err != nil {
		return err
	}
	x.path = x.path[:x.stack[len(x.stack)-1]]
	x.stack = x.stack[:len(x.stack)-1]
	return nil
}

// flush reports the text gathered for the current element.
func (x *xmlWalker) flush() error {
	text := bytes.TrimSpace(x.text)
	x.text = x.text[:0]
	if len(text) == 0 {
		return nil
	}
	return x.e.emit(x.src, x.prefix+string(x.path), string(text), false)
}

// attrName is an attribute's local name, or "xmlns:p" for a namespace
// declaration, which encoding/xml reports as {Space: "xmlns", Local: "p"}.
func attrName(n xml.Name) string {
	if n.Space == "xmlns" {
		return "xmlns:" + n.Local
	}
	return n.Local
}
