package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rampartsec/rampart/internal/config"
)

// oneAPI is a configuration with a single API in front of upstream.
func oneAPI(upstream string) gwConfig {
	return gwConfig{rest: fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, upstream)}
}

// loadGenerator sends requests through the gateway from several goroutines
// until stopped, and records every answer.
type loadGenerator struct {
	total     atomic.Int64
	answers   sync.Map // body → *atomic.Int64
	failures  atomic.Int64
	regressed atomic.Int64 // an "A" after the same worker had seen a "B"
	mu        sync.Mutex
	firstFail string
	stop      chan struct{}
	wg        sync.WaitGroup
}

func startLoad(t *testing.T, client *http.Client, url string, workers int) *loadGenerator {
	l := &loadGenerator{stop: make(chan struct{})}
	for range workers {
		l.wg.Go(func() {
			sawB := false
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				body, err := l.fetch(client, url)
				l.total.Add(1)
				if err != nil {
					l.fail(err.Error())
					continue
				}
				n, _ := l.answers.LoadOrStore(body, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				switch body {
				case "B":
					sawB = true
				case "A":
					if sawB {
						// This request started after a response from the new
						// configuration: the swap must be one-way.
						l.regressed.Add(1)
					}
				default:
					l.fail("unexpected body " + body)
				}
			}
		})
	}
	t.Cleanup(l.halt)
	return l
}

func (l *loadGenerator) fetch(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return string(b), nil
}

func (l *loadGenerator) fail(msg string) {
	l.failures.Add(1)
	l.mu.Lock()
	if l.firstFail == "" {
		l.firstFail = msg
	}
	l.mu.Unlock()
}

func (l *loadGenerator) count(body string) int64 {
	if n, ok := l.answers.Load(body); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// halt stops the workers and waits for them; safe to call twice.
func (l *loadGenerator) halt() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// TestReloadUnderLoad is the reload contract: while clients hammer the
// gateway, a new configuration is swapped in without a single failed
// request, every request that starts after a new-config answer is served by
// the new configuration, and an invalid file is refused while the running
// configuration keeps serving.
func TestReloadUnderLoad(t *testing.T) {
	upA, upB := textUpstream(t, "A"), textUpstream(t, "B")
	g := startGateway(t, oneAPI(upA.URL))
	client := newClient(t)
	load := startLoad(t, client, g.url("/api/x"), 6)

	eventually(t, "traffic on configuration A", func() bool { return load.count("A") >= 100 })

	g.writeConfig(t, oneAPI(upB.URL))
	if err := g.svc.Reload(); err != nil {
		t.Fatalf("Reload with a valid file: %v", err)
	}
	// Every request that starts now is served by B.
	if resp, body := get(t, g.client, g.url("/api/after-reload")); resp.StatusCode != http.StatusOK || body != "B" {
		t.Fatalf("first request after Reload: %d %q, want 200 B", resp.StatusCode, body)
	}
	eventually(t, "traffic on configuration B", func() bool { return load.count("B") >= 200 })

	// An invalid file is refused, with file:line: field: message.
	g.writeRaw(t, strings.Replace(oneAPI(upB.URL).yaml(g.dir), "path_prefix: /api", "path_prefix: api", 1))
	err := g.svc.Reload()
	var cfgErrs config.Errors
	if !errors.As(err, &cfgErrs) {
		t.Fatalf("Reload with an invalid file: err = %v, want config.Errors", err)
	}
	if msg := err.Error(); !strings.Contains(msg, g.configPath+":") || !strings.Contains(msg, "apis[0].path_prefix: must start with /") {
		t.Errorf("reload error = %q, want file:line: apis[0].path_prefix: must start with /", msg)
	}
	before := load.count("B")
	eventually(t, "traffic on configuration B after the refused reload", func() bool { return load.count("B") >= before+200 })

	load.halt()
	if n := load.failures.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during reloads; first: %s", n, load.total.Load(), load.firstFail)
	}
	if n := load.regressed.Load(); n != 0 {
		t.Errorf("%d requests were served by the old configuration after the new one had answered", n)
	}
	if resp, body := get(t, g.client, g.url("/api/end")); body != "B" {
		t.Errorf("after the refused reload: %d %q, want B", resp.StatusCode, body)
	}
	t.Logf("%d requests: %d A, %d B", load.total.Load(), load.count("A"), load.count("B"))

	g.waitMetric(t, "rampart_config_reloads_total", map[string]string{"result": "failure"}, 1)
	g.waitMetric(t, "rampart_config_reloads_total", map[string]string{"result": "success"}, 1)
	if log := g.stderr.String(); !strings.Contains(log, "configuration reload refused") {
		t.Errorf("refused reload not logged:\n%s", log)
	}
	if log := g.stderr.String(); strings.Contains(log, "only after a restart") {
		t.Errorf("reload that changed only an upstream warned about restart-only settings:\n%s", log)
	}
	if ev := g.events(t); strings.Count(ev, `"config.reload"`) != 2 {
		t.Errorf("want 2 config.reload events (one success, one refusal), got:\n%s", ev)
	}
}

// TestReloadLetsInFlightRequestsFinish checks that a request already on the
// old configuration completes on it (its upstream connection is not closed
// by the swap) while new requests go to the new one.
func TestReloadLetsInFlightRequestsFinish(t *testing.T) {
	upA := newBlockingUpstream(t, "A")
	upB := textUpstream(t, "B")
	g := startGateway(t, oneAPI(upA.URL))

	slow := g.getInBackground("/api/slow")
	upA.awaitArrival(t)

	g.writeConfig(t, oneAPI(upB.URL))
	if err := g.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, g.client, g.url("/api/new")); resp.StatusCode != http.StatusOK || body != "B" {
		t.Fatalf("new request: %d %q, want 200 B", resp.StatusCode, body)
	}
	upA.unblock()
	if got := <-slow; got != "200 A" {
		t.Errorf("in-flight request: %q, want 200 A", got)
	}
}

// TestReloadWarnsAboutRestartOnlySettings checks that a reload changing
// settings built once at start (listeners, admin, logs, event sinks)
// applies the rest and says which sections wait for a restart.
func TestReloadWarnsAboutRestartOnlySettings(t *testing.T) {
	up := textUpstream(t, "A")
	g := startGateway(t, oneAPI(up.URL))
	text := oneAPI(up.URL).yaml(g.dir)
	text = strings.Replace(text, "level: debug", "level: warn", 1)
	text = strings.Replace(text, "events.jsonl", "moved.jsonl", 1)
	g.writeRaw(t, text)
	if err := g.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	var warning struct {
		Sections []string `json:"sections"`
	}
	for line := range strings.SplitSeq(g.stderr.String(), "\n") {
		if strings.Contains(line, "only after a restart") {
			if err := json.Unmarshal([]byte(line), &warning); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := strings.Join(warning.Sections, ","); got != "logging,events" {
		t.Errorf("restart-only sections = %q, want logging,events\n%s", got, g.stderr.String())
	}
}

// TestReloadWithoutFile checks that a gateway started from an in-memory
// configuration alone (no file) refuses a reload and keeps serving.
func TestReloadWithoutFile(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse("memory.yaml", []byte(oneAPI(textUpstream(t, "A").URL).yaml(dir)))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Start(RunOptions{Config: cfg, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = svc.Shutdown(t.Context()) }()
	if err := svc.Reload(); err == nil {
		t.Fatal("Reload without a configuration file succeeded")
	}
	if resp, body := get(t, newClient(t), "http://"+svc.HTTPAddr()+"/api/x"); resp.StatusCode != http.StatusOK || body != "A" {
		t.Errorf("after the refused reload: %d %q, want 200 A", resp.StatusCode, body)
	}
}
