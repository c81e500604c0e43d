package sign

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Output formats of RunSign.
const (
	// FormatHeaders prints the header lines to add ("Name: value").
	FormatHeaders = "headers"
	// FormatCurl prints a complete curl command line.
	FormatCurl = "curl"
)

// CommandInput describes the request `rampart sign` signs, the way a curl
// command line would, and the key to sign it with.
type CommandInput struct {
	// Method defaults to GET, or POST when Body is set.
	Method string
	// URL is the absolute request URL (http or https).
	URL string
	// Headers are "Name: value" lines, as given to curl -H.
	Headers []string
	// Body is the request body; nil for none.
	Body []byte
	// KeyFile is the signing key (see ParseKey); KeyID its keyid;
	// Algorithm may be empty except for hmac-sha256.
	KeyFile   string
	KeyID     string
	Algorithm Algorithm
	// Options tunes the signature (components, TTL, label, nonce).
	Options Options
	// Format is FormatHeaders (default) or FormatCurl.
	Format string
}

// RunSign implements `rampart sign`: it loads the key, signs the described
// request and writes the headers to add (or a curl command) to w.
func RunSign(w io.Writer, in CommandInput) error {
	if in.KeyID == "" {
		return errors.New("a key id is required")
	}
	key, err := LoadKey(in.KeyFile, in.KeyID, in.Algorithm)
	if err != nil {
		return err
	}
	req, err := in.request()
	if err != nil {
		return err
	}
	if err := SignRequest(req, key, in.Options); err != nil {
		return err
	}
	switch in.Format {
	case "", FormatHeaders:
		for _, name := range []string{HeaderContentDigest, HeaderSignatureInput, HeaderSignature} {
			for _, v := range req.Header.Values(name) {
				if _, err := fmt.Fprintf(w, "%s: %s\n", name, v); err != nil {
					return err
				}
			}
		}
		return nil
	case FormatCurl:
		return writeCurl(w, req, in.Body)
	}
	return fmt.Errorf("unknown output format %q (want %s or %s)", in.Format, FormatHeaders, FormatCurl)
}

func (in CommandInput) request() (*http.Request, error) {
	u, err := url.Parse(in.URL)
	if err != nil {
		return nil, fmt.Errorf("parsing URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("URL %q must be absolute http or https", in.URL)
	}
	method := in.Method
	if method == "" {
		method = http.MethodGet
		if in.Body != nil {
			method = http.MethodPost
		}
	}
	var body io.Reader
	if in.Body != nil {
		body = bytes.NewReader(in.Body)
	}
	req, err := http.NewRequest(method, in.URL, body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	for _, h := range in.Headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("header %q is not \"Name: value\"", h)
		}
		if strings.EqualFold(name, "Host") {
			req.Host = strings.TrimSpace(value)
			continue
		}
		req.Header.Add(name, strings.TrimSpace(value))
	}
	return req, nil
}

func writeCurl(w io.Writer, req *http.Request, body []byte) error {
	var b strings.Builder
	b.WriteString("curl -X ")
	b.WriteString(shellQuote(req.Method))
	for _, name := range slices.Sorted(maps.Keys(req.Header)) {
		for _, v := range req.Header[name] {
			b.WriteString(" \\\n  -H ")
			b.WriteString(shellQuote(name + ": " + v))
		}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		b.WriteString(" \\\n  -H ")
		b.WriteString(shellQuote("Host: " + req.Host))
	}
	if len(body) > 0 {
		if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
			return errors.New("a binary body cannot be written into a curl command; use the headers format")
		}
		b.WriteString(" \\\n  --data-binary ")
		b.WriteString(shellQuote(string(body)))
	}
	b.WriteString(" \\\n  ")
	b.WriteString(shellQuote(req.URL.String()))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
