package shed

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// TestConcurrencyNeverExceedsLimit floods a real chain over real HTTP from
// many clients and checks the handler never runs more than MaxConcurrent
// requests at once. Run it with -race.
func TestConcurrencyNeverExceedsLimit(t *testing.T) {
	const (
		maxConcurrent = 3
		clients       = 50
		perClient     = 10
	)
	s, err := New(Config{MaxConcurrent: maxConcurrent, MaxQueue: 8, QueueTimeout: 5 * time.Second}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var inHandler, peak atomic.Int64
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages: []pipeline.Stage{{Guard: s}},
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inHandler.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			runtime.Gosched() // widen the window in which an over-admission would show
			inHandler.Add(-1)
			_, _ = io.WriteString(w, "ok")
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(chain)
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = clients

	var ok, shed, other atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range perClient {
				resp, err := client.Get(srv.URL)
				if err != nil {
					other.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusServiceUnavailable:
					shed.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()

	if p := peak.Load(); p > maxConcurrent {
		t.Errorf("peak concurrency in handler = %d, want <= %d", p, maxConcurrent)
	}
	if other.Load() != 0 || ok.Load()+shed.Load() != clients*perClient {
		t.Errorf("ok %d, shed %d, other %d; want only 200s and 503s, %d in all", ok.Load(), shed.Load(), other.Load(), clients*perClient)
	}
	if ok.Load() == 0 {
		t.Error("no request was admitted")
	}
	if in, q := s.InFlight(), s.Queued(); in != 0 || q != 0 {
		t.Errorf("at rest: InFlight %d Queued %d, want 0 and 0", in, q)
	}
	t.Logf("peak %d, admitted %d, shed %d", peak.Load(), ok.Load(), shed.Load())
}
