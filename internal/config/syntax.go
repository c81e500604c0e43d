package config

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// syntaxError turns a yaml.v3 parse error into a field error with a line.
// yaml.v3 leaves the line out of three kinds of error, whose line is found
// here: errors in the byte stream (bad UTF-8, control characters), which
// carry no position at all; references to an unknown anchor; and errors
// whose position is on the first line (yaml.v3 prints a line only when its
// zero-based line is not 0).
func syntaxError(file string, data []byte, err error) FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	fe := FieldError{File: file, Line: 1}
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else if isReaderError(msg) {
		fe.Line = badCharLine(data)
	} else if m := unknownAnchorRe.FindStringSubmatch(msg); m != nil {
		fe.Line = aliasLine(data, m[1])
	}
	fe.Msg = "invalid YAML: " + msg
	return fe
}

// readerErrors are the messages of yaml.v3's byte-stream reader (readerc.go).
var readerErrors = []string{
	"invalid leading UTF-8 octet",
	"incomplete UTF-8 octet sequence",
	"invalid trailing UTF-8 octet",
	"invalid length of a UTF-8 sequence",
	"invalid Unicode character",
	"control characters are not allowed",
	"incomplete UTF-16 character",
	"unexpected low surrogate area",
	"incomplete UTF-16 surrogate pair",
	"expected low surrogate area",
}

func isReaderError(msg string) bool {
	for _, r := range readerErrors {
		if msg == r {
			return true
		}
	}
	return false
}

// badCharLine returns the line of the first character the YAML reader
// refuses: invalid UTF-8 or UTF-16, or a character outside YAML's printable
// set. It returns 1 if it finds none (it then cannot tell better).
func badCharLine(data []byte) int {
	runes, bad := decodeText(data)
	line := 1
	for i, r := range runes {
		if i == bad || !yamlPrintable(r) {
			return line
		}
		if isLineBreak(r, runes, i) {
			line++
		}
	}
	if bad >= 0 {
		return line
	}
	return 1
}

// decodeText decodes data as the YAML reader does (UTF-16 after its byte
// order mark, UTF-8 otherwise) up to the first invalid sequence, whose rune
// index it returns (-1 when there is none).
func decodeText(data []byte) (runes []rune, bad int) {
	var units []uint16
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		for i := 2; i+1 < len(data); i += 2 {
			units = append(units, uint16(data[i])|uint16(data[i+1])<<8)
		}
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		for i := 2; i+1 < len(data); i += 2 {
			units = append(units, uint16(data[i])<<8|uint16(data[i+1]))
		}
	default:
		for len(data) > 0 {
			r, size := utf8.DecodeRune(data)
			if r == utf8.RuneError && size <= 1 {
				return runes, len(runes)
			}
			runes = append(runes, r)
			data = data[size:]
		}
		return runes, -1
	}
	for i := 0; i < len(units); i++ {
		r := rune(units[i])
		if utf16.IsSurrogate(r) {
			if i+1 == len(units) {
				return runes, len(runes)
			}
			if r = utf16.DecodeRune(r, rune(units[i+1])); r == utf8.RuneError {
				return runes, len(runes)
			}
			i++
		}
		runes = append(runes, r)
	}
	if len(data)%2 == 1 {
		return runes, len(runes) // a dangling byte: an incomplete character
	}
	return runes, -1
}

// yamlPrintable is YAML 1.2's c-printable set, as yaml.v3's reader checks it.
func yamlPrintable(r rune) bool {
	switch {
	case r == 0x09, r == 0x0A, r == 0x0D, r >= 0x20 && r <= 0x7E, r == 0x85:
		return true
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// isLineBreak counts line breaks as yaml.v3 does: CR LF once, and CR, LF,
// NEL, LS and PS alone.
func isLineBreak(r rune, runes []rune, i int) bool {
	switch r {
	case '\r':
		return i+1 >= len(runes) || runes[i+1] != '\n'
	case '\n', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

var unknownAnchorRe = regexp.MustCompile(`^unknown anchor '([0-9A-Za-z_-]+)' referenced$`)

// aliasLine returns the line of the first use of alias *name outside a
// comment, or 1 if none is found.
func aliasLine(data []byte, name string) int {
	aliasRe := regexp.MustCompile(`(?:^|[\s\[{,])\*` + regexp.QuoteMeta(name) + `(?:$|[^0-9A-Za-z_-])`)
	for i, line := range strings.Split(string(data), "\n") {
		if c := commentStart(line); c >= 0 {
			line = line[:c]
		}
		if aliasRe.MatchString(line) {
			return i + 1
		}
	}
	return 1
}

// commentStart returns where a comment starts on a line: a # at its start
// or after a blank. Quotes are not tracked: a "#" inside a quoted string
// cuts the line too early, which at worst points at a later alias.
func commentStart(line string) int {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return i
		}
	}
	return -1
}
