package shed

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestConfigDefaultsAndValidation(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    settings
		wantErr bool
	}{
		{name: "zero means defaults", cfg: Config{},
			want: settings{maxConcurrent: 1024, maxQueue: 1024, queueTimeout: time.Second, retryAfter: time.Second}},
		{name: "queue follows concurrency", cfg: Config{MaxConcurrent: 8},
			want: settings{maxConcurrent: 8, maxQueue: 8, queueTimeout: time.Second, retryAfter: time.Second}},
		{name: "explicit values", cfg: Config{MaxConcurrent: 4, MaxQueue: 2, QueueTimeout: time.Millisecond, RetryAfter: 3 * time.Second},
			want: settings{maxConcurrent: 4, maxQueue: 2, queueTimeout: time.Millisecond, retryAfter: 3 * time.Second}},
		{name: "negative queue means none", cfg: Config{MaxConcurrent: 4, MaxQueue: -1},
			want: settings{maxConcurrent: 4, maxQueue: 0, queueTimeout: time.Second, retryAfter: time.Second}},
		{name: "negative concurrency disables", cfg: Config{MaxConcurrent: -1, QueueTimeout: -1},
			want: settings{disabled: true}},
		{name: "negative queue timeout", cfg: Config{QueueTimeout: -time.Second}, wantErr: true},
		{name: "negative retry-after", cfg: Config{RetryAfter: -time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.resolve()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("resolve(%+v) = %+v, want an error", tt.cfg, got)
				}
				if _, err := New(tt.cfg, Options{}); err == nil {
					t.Fatalf("New(%+v) succeeded, want an error", tt.cfg)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve(%+v): %v", tt.cfg, err)
			}
			if got != tt.want {
				t.Errorf("resolve(%+v) = %+v, want %+v", tt.cfg, got, tt.want)
			}
		})
	}
}

func TestDenialFields(t *testing.T) {
	s, err := New(Config{MaxConcurrent: 1, MaxQueue: -1, RetryAfter: 2 * time.Second}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := s.Check(r); err != nil {
		t.Fatalf("first Check: %v", err)
	}
	_, err = s.Check(r)
	var d *pipeline.Denial
	if !errors.As(err, &d) {
		t.Fatalf("second Check: got %v, want a *pipeline.Denial", err)
	}
	want := pipeline.Denial{Status: 503, Code: "overloaded", PublicMessage: overloadedMessage, Rule: ReasonQueueFull,
		RetryAfter: 2 * time.Second, Severity: pipeline.SeverityLow, Category: "API4:2023"}
	if d.Status != want.Status || d.Code != want.Code || d.PublicMessage != want.PublicMessage || d.Rule != want.Rule ||
		d.RetryAfter != want.RetryAfter || d.Severity != want.Severity || d.Category != want.Category {
		t.Errorf("denial = %+v, want %+v", *d, want)
	}
	if s.Name() != "shed" {
		t.Errorf("Name = %q, want shed", s.Name())
	}
}

// The Chain releases only admitted requests, but an unmatched Release (a bug
// elsewhere) must neither block, nor drive the count negative, nor grow the
// capacity past MaxConcurrent.
func TestUnmatchedReleaseIsHarmless(t *testing.T) {
	s, err := New(Config{MaxConcurrent: 1, MaxQueue: -1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)

	s.Release(r) // never admitted
	if n := s.InFlight(); n != 0 {
		t.Fatalf("InFlight = %d after a release without admission, want 0", n)
	}
	if _, err := s.Check(r); err != nil {
		t.Fatalf("Check: %v", err)
	}
	s.Release(r)
	s.Release(r) // double release
	if n := s.InFlight(); n != 0 {
		t.Fatalf("InFlight = %d after a double release, want 0", n)
	}
	if _, err := s.Check(r); err != nil {
		t.Fatalf("Check after double release: %v", err)
	}
	if _, err := s.Check(r); err == nil {
		t.Fatal("a double release grew the capacity: two requests admitted with MaxConcurrent 1")
	}
	if n := s.InFlight(); n != 1 {
		t.Errorf("InFlight = %d, want 1", n)
	}
}

func TestDisabledAdmitsEverything(t *testing.T) {
	s, err := New(Config{MaxConcurrent: -1}, Options{OnShed: func(string) { t.Error("a disabled shedder shed") }})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for i := range 5000 {
		got, err := s.Check(r)
		if err != nil || got != r {
			t.Fatalf("Check %d = %v, %v; want the request and no error", i, got, err)
		}
	}
	s.Release(r)
	if s.InFlight() != 0 || s.Queued() != 0 {
		t.Errorf("InFlight %d Queued %d, want 0 and 0", s.InFlight(), s.Queued())
	}
}

func TestFastPathDoesNotAllocate(t *testing.T) {
	s, err := New(Config{MaxConcurrent: 4}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := s.Check(r); err != nil {
			t.Fatal(err)
		}
		s.Release(r)
	})
	if allocs != 0 {
		t.Errorf("Check+Release allocates %v times per request, want 0", allocs)
	}
}
