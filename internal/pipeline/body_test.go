package pipeline

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Two guards read the body through ReadBody; the underlying stream is read
// once, both see the same bytes, and the upstream receives them intact.
func TestReadBodyOnceForSeveralGuards(t *testing.T) {
	var seen []string
	reader := func(name string) Stage {
		return Stage{Guard: &funcGuard{name: name, check: func(r *http.Request) (*http.Request, error) {
			b, err := ReadBody(r, 64)
			if err != nil {
				return r, err
			}
			seen = append(seen, string(b))
			return r, nil
		}}}
	}
	var upstream string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		upstream = string(b)
	})
	c, _ := newTestChain(t, Options{Stages: []Stage{reader("schema"), reader("injection")}, Next: next})
	src := &countingReader{r: strings.NewReader(`{"name":"alice"}`)}
	serve(c, httptest.NewRequest(http.MethodPost, "/x", src))
	if len(seen) != 2 || seen[0] != `{"name":"alice"}` || seen[1] != seen[0] {
		t.Fatalf("guards saw %q", seen)
	}
	if upstream != `{"name":"alice"}` {
		t.Fatalf("upstream got %q", upstream)
	}
	if src.reads == 0 || src.eofs != 1 {
		t.Errorf("source read %d times with %d EOFs, want one pass", src.reads, src.eofs)
	}
}

// A body over the inspection limit is reported, and the upstream still gets
// every byte.
func TestReadBodyTooLargeLosesNothing(t *testing.T) {
	body := strings.Repeat("a", 100)
	var got error
	var upstream string
	c, _ := newTestChain(t, Options{
		Stages: []Stage{{Guard: &funcGuard{name: "injection", check: func(r *http.Request) (*http.Request, error) {
			_, got = ReadBody(r, 10)
			return r, nil
		}}}},
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			upstream = string(b)
		}),
	})
	serve(c, httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body)))
	if !errors.Is(got, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", got)
	}
	if upstream != body {
		t.Fatalf("upstream got %d bytes, want %d", len(upstream), len(body))
	}
}

type countingReader struct {
	r           io.Reader
	reads, eofs int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.eofs++
	}
	return n, err
}

// failingReader yields data, then err.
type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// A read that fails part-way (a client that hung up) is reported to the
// guard, and the next reader gets the bytes and then the same failure:
// never a truncated body that ends as if it were complete.
func TestReadBodyFailureIsReplayed(t *testing.T) {
	hangUp := errors.New("connection reset by peer")
	r := httptest.NewRequest(http.MethodPost, "/x", io.NopCloser(&failingReader{data: `{"name":"al`, err: hangUp}))
	if _, err := ReadBody(r, 64); !errors.Is(err, hangUp) {
		t.Fatalf("ReadBody error = %v, want the reader's", err)
	}
	b, err := io.ReadAll(r.Body)
	if string(b) != `{"name":"al` || !errors.Is(err, hangUp) {
		t.Errorf("replayed body = %q, %v; want the bytes read, then the reader's error", b, err)
	}
}
