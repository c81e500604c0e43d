package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unsafe"
)

// CheckJSON checks that body is one JSON text (RFC 8259) within lim, in
// one linear pass and without allocating on typical bodies. It refuses,
// as an *Error:
//
//   - anything encoding/json would refuse (malformed_json);
//   - nesting deeper than MaxDepth, objects with more than MaxKeys members,
//     arrays longer than MaxArrayLen, strings or keys longer than
//     MaxStringLen bytes, numbers longer than MaxNumberLen characters,
//     pointers longer than MaxPathLen;
//   - an object with the same key twice, compared after unescaping
//     (duplicate_key): parsers disagree on which one wins, so a checker
//     that reads the first and an upstream that reads the last can be
//     played against each other (CVE-2017-12635 in CouchDB);
//   - invalid UTF-8 in a string, and \u escapes of unpaired surrogates
//     (invalid_utf8): encoding/json turns both into U+FFFD silently, other
//     parsers keep the raw bytes or fail, which is another disagreement
//     an attacker can use to smuggle a value past a detector.
//
// The error's Field is the pointer where the problem was found, prefixed
// "body" ("body./user/email").
func CheckJSON(body []byte, lim Limits) error {
	return walkJSON(body, lim, JSON, "", nil, false)
}

// WalkJSON makes the checks of CheckJSON and calls visit for every object
// key (isKey true, the key as value) and every string value, unescaped,
// with its RFC 6901 pointer ("~" and "/" escaped as "~0" and "~1"; the
// whole document is ""). Numbers, booleans and null are not reported. A
// value is reported as soon as it is read, so visit may see values of a
// body that turns out invalid; WalkJSON returns the first error of visit
// unchanged and stops.
//
// Strings without escapes share memory with body: body must not be
// modified while they are in use.
func WalkJSON(body []byte, lim Limits, visit func(ptr string, isKey bool, value string) error) error {
	if visit == nil {
		return walkJSON(body, lim, JSON, "", nil, false)
	}
	return walkJSON(body, lim, JSON, "", visit, false)
}

// walkerPool recycles the buffers of a walk, which is what makes a typical
// CheckJSON allocation-free.
var walkerPool = sync.Pool{New: func() any { return new(jsonWalker) }}

// walkJSON runs one walk. src and prefix shape error locations (a JSON
// part of a multipart body is reported under its field). With
// skipPlainKeys, keys that plainName accepts are not passed to visit.
func walkJSON(body []byte, lim Limits, src Source, prefix string,
	visit func(ptr string, isKey bool, value string) error, skipPlainKeys bool) error {
	w := walkerPool.Get().(*jsonWalker)
	w.reset(body, lim.resolved(), src, prefix, visit, skipPlainKeys)
	err := w.run()
	w.release()
	walkerPool.Put(w)
	return err
}

// frame is one open array or object.
type frame struct {
	object bool
	// count is the number of members or elements begun so far.
	count int
	// base is the length of the container's own pointer in jsonWalker.ptr.
	base int
	// keyStart and keyBytesStart mark where this object's keys begin in
	// jsonWalker.keys and jsonWalker.keyBytes.
	keyStart      int
	keyBytesStart int
	// indexed: the keys are also in jsonWalker.indexes[depth].
	indexed bool
}

// jsonWalker is the state of one walk: an explicit stack instead of
// recursion, so that depth costs memory in a slice bounded by MaxDepth,
// not goroutine stack.
type jsonWalker struct {
	body          []byte
	lim           Limits
	src           Source
	prefix        string
	visit         func(ptr string, isKey bool, value string) error
	skipPlainKeys bool

	frames []frame
	// ptr is the pointer of the member or element being read.
	ptr []byte
	// ptrStr caches string(ptr) between a key and its value.
	ptrStr string
	// keys, keyBytes and indexes find duplicate keys; see json_keys.go.
	keys     []keyRef
	keyBytes []byte
	indexes  []map[uint64]int32
	// unescaped receives string values with escapes, when walking.
	unescaped []byte
}

func (w *jsonWalker) reset(body []byte, lim Limits, src Source, prefix string,
	visit func(string, bool, string) error, skipPlainKeys bool) {
	w.body, w.lim, w.src, w.prefix, w.visit, w.skipPlainKeys = body, lim, src, prefix, visit, skipPlainKeys
	w.frames = w.frames[:0]
	w.ptr = w.ptr[:0]
	w.ptrStr = ""
	w.keys = w.keys[:0]
	w.keyBytes = w.keyBytes[:0]
	w.unescaped = w.unescaped[:0]
}

// maxPooledBytes caps the buffers a pooled walker keeps, so that one huge
// body does not pin its buffers' memory for the life of the process.
const maxPooledBytes = 64 << 10

func (w *jsonWalker) release() {
	w.releaseIndexes()
	w.body, w.visit, w.ptrStr, w.prefix = nil, nil, "", ""
	if cap(w.keyBytes) > maxPooledBytes {
		w.keyBytes = nil
	}
	if cap(w.unescaped) > maxPooledBytes {
		w.unescaped = nil
	}
	if cap(w.keys) > maxPooledBytes/16 {
		w.keys = nil
	}
	if cap(w.ptr) > maxPooledBytes {
		w.ptr = nil
	}
}

// fail builds the *Error of a walk, located at the current pointer.
func (w *jsonWalker) fail(code string, cause error) error {
	return w.failAt(code, len(w.ptr), cause)
}

func (w *jsonWalker) failAt(code string, ptrLen int, cause error) error {
	return newError(code, location(w.src, w.prefix+string(w.ptr[:ptrLen])), cause)
}

func (w *jsonWalker) syntaxError(i int, what string) error {
	if i >= len(w.body) {
		return w.fail(CodeMalformedJSON, fmt.Errorf("unexpected end of JSON input, %s", what))
	}
	return w.fail(CodeMalformedJSON, fmt.Errorf("invalid character %q at offset %d, %s", w.body[i], i, what))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (w *jsonWalker) skipSpace(i int) int {
	for i < len(w.body) && isSpace(w.body[i]) {
		i++
	}
	return i
}

// run walks the whole body: read a value, then the punctuation after it,
// until the root value is complete.
func (w *jsonWalker) run() error {
	b := w.body
	i := w.skipSpace(0)
	for {
		// A value starts at i.
		if i >= len(b) {
			return w.syntaxError(i, "looking for a value")
		}
		var err error
		switch c := b[i]; c {
		case '{', '[':
			if len(w.frames) >= w.lim.MaxDepth {
				return w.fail(CodeJSONTooDeep, fmt.Errorf("nesting deeper than %d at offset %d", w.lim.MaxDepth, i))
			}
			w.push(c == '{')
			i = w.skipSpace(i + 1)
			if i < len(b) && (c == '{' && b[i] == '}' || c == '[' && b[i] == ']') {
				w.pop()
				i++
				break
			}
			if c == '{' {
				i, err = w.member(i)
			} else {
				err = w.element(i)
			}
			if err != nil {
				return err
			}
			continue
		case '"':
			i, err = w.stringValue(i)
		case 't':
			i, err = w.literal(i, "true")
		case 'f':
			i, err = w.literal(i, "false")
		case 'n':
			i, err = w.literal(i, "null")
		default:
			i, err = w.number(i)
		}
		if err != nil {
			return err
		}
		// A value ended before i: close containers until one continues.
		for {
			i = w.skipSpace(i)
			if len(w.frames) == 0 {
				if i != len(b) {
					return w.syntaxError(i, "after top-level value")
				}
				return nil
			}
			if i >= len(b) {
				return w.syntaxError(i, "looking for ',' or a closing bracket")
			}
			top := &w.frames[len(w.frames)-1]
			c := b[i]
			if c == ',' {
				i = w.skipSpace(i + 1)
				if top.object {
					i, err = w.member(i)
				} else {
					err = w.element(i)
				}
				if err != nil {
					return err
				}
				break
			}
			if top.object && c == '}' || !top.object && c == ']' {
				w.pop()
				i++
				continue
			}
			if top.object {
				return w.syntaxError(i, "after object member value")
			}
			return w.syntaxError(i, "after array element")
		}
	}
}

func (w *jsonWalker) push(object bool) {
	w.frames = append(w.frames, frame{
		object:        object,
		base:          len(w.ptr),
		keyStart:      len(w.keys),
		keyBytesStart: len(w.keyBytes),
	})
}

func (w *jsonWalker) pop() {
	f := &w.frames[len(w.frames)-1]
	if f.object {
		w.dropKeys(f, len(w.frames)-1)
	}
	w.setPtr(f.base)
	w.frames = w.frames[:len(w.frames)-1]
}

// setPtr truncates the current pointer to n bytes.
func (w *jsonWalker) setPtr(n int) {
	w.ptr = w.ptr[:n]
	w.ptrStr = ""
}

// element starts the next element of the array on top of the stack; its
// value starts at i.
func (w *jsonWalker) element(i int) error {
	f := &w.frames[len(w.frames)-1]
	if f.count >= w.lim.MaxArrayLen {
		return w.failAt(CodeJSONArrayTooLong, f.base, fmt.Errorf("more than %d elements in an array at offset %d", w.lim.MaxArrayLen, i))
	}
	f.count++
	w.setPtr(f.base)
	w.ptr = append(w.ptr, '/')
	w.ptr = strconv.AppendInt(w.ptr, int64(f.count-1), 10)
	if len(w.ptr) > w.lim.MaxPathLen {
		return w.failAt(CodeJSONPathTooLong, f.base, fmt.Errorf("pointer longer than %d bytes at offset %d", w.lim.MaxPathLen, i))
	}
	return nil
}

// member reads the key of the next member of the object on top of the
// stack, which starts at i, and the colon after it; it returns where the
// member's value starts.
func (w *jsonWalker) member(i int) (int, error) {
	b := w.body
	if i >= len(b) || b[i] != '"' {
		return i, w.syntaxError(i, "looking for an object key")
	}
	depth := len(w.frames) - 1
	f := &w.frames[depth]
	if f.count >= w.lim.MaxKeys {
		return i, w.failAt(CodeJSONTooManyKeys, f.base, fmt.Errorf("more than %d members in an object at offset %d", w.lim.MaxKeys, i))
	}
	f.count++
	// Until the key is read, errors are located at the object.
	w.setPtr(f.base)
	start := len(w.keyBytes)
	end, escaped, err := w.scanString(i, &w.keyBytes)
	if err != nil {
		return i, err
	}
	ref := keyRef{off: i + 1, n: end - 1 - (i + 1)}
	key := b[ref.off : ref.off+ref.n]
	if escaped {
		ref = keyRef{off: start, n: len(w.keyBytes) - start, unescaped: true}
		key = w.keyBytes[start:]
	}
	w.ptr = append(w.ptr, '/')
	w.ptr = appendPointerToken(w.ptr, key)
	if len(w.ptr) > w.lim.MaxPathLen {
		return i, w.failAt(CodeJSONPathTooLong, f.base, fmt.Errorf("pointer longer than %d bytes at offset %d", w.lim.MaxPathLen, i))
	}
	if err := w.addKey(f, depth, ref, key); err != nil {
		return i, err
	}
	if w.visit != nil && !(w.skipPlainKeys && plainName(bytesString(key))) {
		value := bytesString(key)
		if escaped {
			value = string(key)
		}
		w.ptrStr = string(w.ptr)
		if err := w.visit(w.ptrStr, true, value); err != nil {
			return i, err
		}
	}
	i = w.skipSpace(end)
	if i >= len(b) || b[i] != ':' {
		return i, w.syntaxError(i, "after object key")
	}
	return w.skipSpace(i + 1), nil
}

// appendPointerToken appends key escaped as an RFC 6901 reference token.
func appendPointerToken(dst, key []byte) []byte {
	if bytes.IndexByte(key, '~') < 0 && bytes.IndexByte(key, '/') < 0 {
		return append(dst, key...)
	}
	for _, c := range key {
		switch c {
		case '~':
			dst = append(dst, '~', '0')
		case '/':
			dst = append(dst, '~', '1')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// stringValue reads the string value starting at i and reports it.
func (w *jsonWalker) stringValue(i int) (int, error) {
	if w.visit == nil {
		end, _, err := w.scanString(i, nil)
		return end, err
	}
	w.unescaped = w.unescaped[:0]
	end, escaped, err := w.scanString(i, &w.unescaped)
	if err != nil {
		return end, err
	}
	value := bytesString(w.body[i+1 : end-1])
	if escaped {
		value = string(w.unescaped)
	}
	if w.ptrStr == "" && len(w.ptr) > 0 {
		w.ptrStr = string(w.ptr)
	}
	return end, w.visit(w.ptrStr, false, value)
}

func (w *jsonWalker) literal(i int, lit string) (int, error) {
	if len(w.body)-i < len(lit) || string(w.body[i:i+len(lit)]) != lit {
		return i, w.syntaxError(i, "in literal "+lit)
	}
	return i + len(lit), nil
}

// number reads the number starting at i, to the grammar of RFC 8259 §6:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (w *jsonWalker) number(i int) (int, error) {
	b := w.body
	start := i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return i, w.syntaxError(i, "looking for a value")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, w.syntaxError(i, "after decimal point in number")
		}
		i = skipDigits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, w.syntaxError(i, "in exponent of number")
		}
		i = skipDigits(b, i)
	}
	if i-start > w.lim.MaxNumberLen {
		return i, w.fail(CodeJSONNumberTooLong, fmt.Errorf("number of %d characters at offset %d (limit %d)", i-start, start, w.lim.MaxNumberLen))
	}
	return i, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// bytesString views b as a string without copying. The walker uses it for
// keys and values without escapes, which are then slices of the request
// body: the pipeline never modifies a body once read, and WalkJSON's
// contract says so.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

var errLoneSurrogate = errors.New("\\u escape of an unpaired UTF-16 surrogate")
