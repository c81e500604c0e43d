package bodylimit

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name        string
		cfg         Config
		wantDefault int64
		wantErr     string
	}{
		{name: "zero means 1 MiB", cfg: Config{}, wantDefault: 1 << 20},
		{name: "explicit", cfg: Config{MaxBytes: 10}, wantDefault: 10},
		{name: "negative means unlimited", cfg: Config{MaxBytes: -5}, wantDefault: Unlimited},
		{name: "route without api", cfg: Config{Routes: map[pipeline.Route]int64{{Route: "upload"}: 10}},
			wantErr: "no API name"},
		{name: "zero route limit", cfg: Config{Routes: map[pipeline.Route]int64{{API: "a", Route: "b"}: 0}},
			wantErr: "is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New(%+v) error = %v, want one containing %q", tt.cfg, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%+v): %v", tt.cfg, err)
			}
			if got := g.LimitFor(httptest.NewRequest(http.MethodPost, "/", nil)); got != tt.wantDefault {
				t.Errorf("LimitFor = %d, want %d", got, tt.wantDefault)
			}
		})
	}
}

func TestRoutesAreCopied(t *testing.T) {
	routes := map[pipeline.Route]int64{{API: "a"}: 10}
	g, err := New(Config{Routes: routes})
	if err != nil {
		t.Fatal(err)
	}
	routes[pipeline.Route{API: "a"}] = 20
	if got := g.routes[pipeline.Route{API: "a"}]; got != 10 {
		t.Errorf("limit after the caller changed its map = %d, want 10", got)
	}
}

func TestCheckDenial(t *testing.T) {
	g, err := New(Config{MaxBytes: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []struct {
		major     int
		wantClose bool
	}{{1, true}, {2, false}} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("12345"))
		r.ProtoMajor = proto.major
		_, err := g.Check(r)
		var d *pipeline.Denial
		if !errors.As(err, &d) {
			t.Fatalf("HTTP/%d: Check = %v, want a *pipeline.Denial", proto.major, err)
		}
		if d.Status != 413 || d.Code != "body_too_large" || d.Category != "API4:2023" || d.Rule != "content_length" ||
			d.PublicMessage != tooLargeMessage {
			t.Errorf("HTTP/%d: denial = %+v", proto.major, *d)
		}
		if got := d.Header.Get("Connection") == "close"; got != proto.wantClose {
			t.Errorf("HTTP/%d: Connection: close = %v, want %v", proto.major, got, proto.wantClose)
		}
		if strings.Contains(d.PublicMessage, "5") {
			t.Errorf("public message leaks the sizes: %q", d.PublicMessage)
		}
	}
}

func TestCheckBoundsUnknownLength(t *testing.T) {
	g, err := New(Config{MaxBytes: 4})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(strings.NewReader("123456789")))
	r.ContentLength = -1
	got, err := g.Check(r)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	b, err := io.ReadAll(got.Body)
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) || mbe.Limit != 4 || string(b) != "1234" {
		t.Errorf("ReadAll = %q, %v; want %q and *http.MaxBytesError{Limit: 4}", b, err, "1234")
	}
}

func TestCheckWithoutBody(t *testing.T) {
	g, err := New(Config{MaxBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if got, err := g.Check(r); err != nil || got != r || got.Body != http.NoBody {
		t.Errorf("Check(GET) = %v, %v; want the request untouched", got, err)
	}
}

func TestDeclaredLengthPathDoesNotAllocate(t *testing.T) {
	g, err := New(Config{MaxBytes: 1 << 20, Routes: map[pipeline.Route]int64{{API: "a"}: 10}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"name":"x"}`))
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := g.Check(r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Check allocates %v times for a body within its declared limit, want 0", allocs)
	}
}
