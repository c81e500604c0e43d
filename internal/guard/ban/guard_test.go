package ban

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/store"
)

func TestBannedClientsGet403(t *testing.T) {
	e := newEnv(t, Config{}, Options{})
	e.ban(t, "ip:203.0.113.7", time.Hour)
	e.ban(t, "198.51.100.0/24", time.Hour)
	e.ban(t, "net:2001:db8:1:2::/64", time.Hour)
	e.ban(t, "sub:mallory", time.Hour)
	tests := []struct {
		name    string
		addr    string
		headers []string
		want    int
		rule    string
	}{
		{name: "banned address", addr: "203.0.113.7", want: 403, rule: KindIP},
		{name: "its neighbour", addr: "203.0.113.8", want: 200},
		{name: "banned /24", addr: "198.51.100.200", want: 403, rule: KindNet},
		{name: "next /24", addr: "198.51.101.1", want: 200},
		{name: "banned /64", addr: "2001:db8:1:2:dead:beef::1", want: 403, rule: KindNet},
		{name: "next /64", addr: "2001:db8:1:3::1", want: 200},
		{name: "mapped address", addr: "::ffff:203.0.113.7", want: 403, rule: KindIP},
		{name: "banned subject", addr: "192.0.2.1", headers: []string{"X-Test-Subject: mallory"}, want: 403, rule: KindSubject},
		{name: "other subject", addr: "192.0.2.1", headers: []string{"X-Test-Subject: alice"}, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.from(t, tt.addr, tt.headers...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != 403 {
				return
			}
			if ra := resp.Header.Get("Retry-After"); ra != "3600" {
				t.Errorf("Retry-After = %q, want 3600", ra)
			}
			outcomes := e.sink.Outcomes()
			d := outcomes[len(outcomes)-1].Denials
			if len(d) != 1 || d[0].Rule != tt.rule || d[0].Code != "banned" || d[0].Category != "API4:2023" {
				t.Errorf("denials = %+v, want one banned denial, rule %s", d, tt.rule)
			}
		})
	}
}

func TestBanProblemIsUniform(t *testing.T) {
	e := newEnv(t, Config{}, Options{})
	e.ban(t, "203.0.113.7", time.Hour)
	e.ban(t, "198.51.100.0/24", time.Hour)
	e.clock.Advance(10 * time.Minute)
	var bodies []string
	for _, addr := range []string{"203.0.113.7", "198.51.100.9"} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/", nil)
		req.Header.Set("X-Forwarded-For", addr)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		e.sink.Await(t)
		if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != pipeline.ProblemContentType || resp.Header.Get("Retry-After") != "3000" {
			t.Errorf("%s: status %d, headers %v; want 403 problem with Retry-After 3000", addr, resp.StatusCode, resp.Header)
		}
		var p map[string]any
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		delete(p, "request_id")
		out, _ := json.Marshal(p)
		bodies = append(bodies, string(out))
		if strings.Contains(string(body), "test") || strings.Contains(string(body), "admin") {
			t.Errorf("body reveals the ban's reason or source: %s", body)
		}
	}
	if bodies[0] != bodies[1] {
		t.Errorf("answers differ by key kind:\n%s\n%s", bodies[0], bodies[1])
	}
	if !strings.Contains(bodies[0], `"type":"urn:rampart:problem:banned"`) {
		t.Errorf("body = %s, want the banned problem type", bodies[0])
	}
}

func TestBanExpires(t *testing.T) {
	e := newEnv(t, Config{}, Options{})
	e.ban(t, "203.0.113.7", 10*time.Second)
	if got := e.from(t, "203.0.113.7").StatusCode; got != 403 {
		t.Fatalf("status = %d, want 403", got)
	}
	// The cached answer (banned until T) must not outlive T.
	e.clock.Advance(10 * time.Second)
	if got := e.from(t, "203.0.113.7").StatusCode; got != 200 {
		t.Errorf("after expiry = %d, want 200", got)
	}
	e.clock.Advance(time.Second)
	if got := e.from(t, "203.0.113.7").StatusCode; got != 200 {
		t.Errorf("after expiry, uncached = %d, want 200", got)
	}
}

func TestCache(t *testing.T) {
	e := newEnv(t, Config{}, Options{})
	e.from(t, "203.0.113.7")
	if n, keys := e.reads.count(), e.reads.asked(); n != 1 || fmt.Sprint(keys) != "[ip:203.0.113.7 net:203.0.113.0/24]" {
		t.Fatalf("first request: %d store calls for keys %v, want one for ip and net", n, keys)
	}
	e.from(t, "203.0.113.7")
	if n := e.reads.count(); n != 1 {
		t.Errorf("second request within the TTL read the store (%d calls)", n)
	}
	// A ban made elsewhere (another replica) is seen within the TTL.
	e.ban(t, "203.0.113.7", time.Hour)
	e.clock.Advance(999 * time.Millisecond)
	if got := e.from(t, "203.0.113.7").StatusCode; got != 200 {
		t.Errorf("within the TTL: %d, want the cached 200 (documented propagation delay)", got)
	}
	e.clock.Advance(time.Millisecond)
	if got := e.from(t, "203.0.113.7").StatusCode; got != 403 {
		t.Errorf("after the TTL: %d, want 403", got)
	}
	// Unban through this process with Invalidate: applies at once.
	if ok, err := Unban(t.Context(), e.store, "203.0.113.7"); err != nil || !ok {
		t.Fatalf("Unban = %v, %v", ok, err)
	}
	e.guard.Invalidate(IPKey(mustAddr("203.0.113.7")))
	if got := e.from(t, "203.0.113.7").StatusCode; got != 200 {
		t.Errorf("after Unban and Invalidate: %d, want 200", got)
	}
}

func TestCacheDisabled(t *testing.T) {
	e := newEnv(t, Config{CacheTTL: -1}, Options{})
	for range 3 {
		e.from(t, "203.0.113.7")
	}
	if n, keys := e.reads.count(), e.reads.asked(); n != 3 || len(keys) != 6 {
		t.Errorf("%d store calls for %d keys, want one call for ip and net per request", n, len(keys))
	}
	e.ban(t, "203.0.113.7", time.Hour)
	if got := e.from(t, "203.0.113.7").StatusCode; got != 403 {
		t.Errorf("status = %d, want 403 at once", got)
	}
}

func TestFloodOfBannedRequestsIsOneEvent(t *testing.T) {
	var banned int
	e := newEnv(t, Config{}, Options{OnBanned: func(string) { banned++ }})
	e.ban(t, "203.0.113.7", time.Hour)
	for range 200 {
		e.from(t, "203.0.113.7")
	}
	outcomes, events := e.sink.Outcomes(), e.sink.Events()
	if len(events) != 1 || events[0].Kind != "denial" || events[0].Guard != "ban" || events[0].Rule != KindIP {
		t.Errorf("events = %+v, want one ban denial event", events)
	}
	if len(outcomes) != 200 || banned != 200 {
		t.Errorf("outcomes = %d, OnBanned = %d; want every refusal recorded", len(outcomes), banned)
	}
	e.clock.Advance(DefaultEventWindow)
	e.from(t, "203.0.113.7")
	if events := e.sink.Events(); len(events) != 2 {
		t.Errorf("next window: %d events in all, want 2", len(events))
	}
}

func TestStoreErrors(t *testing.T) {
	outage := fmt.Errorf("dial redis 10.0.0.5:6379: %w", store.ErrUnavailable)
	corrupt := errors.New("redis get mark: mark is not JSON")
	tests := []struct {
		name string
		mode FailMode
		err  error
		want int
	}{
		{name: "open by default", err: outage, want: 200},
		{name: "closed", mode: FailClosed, err: outage, want: 503},
		// A corrupt reply is not an outage: closed does not refuse.
		{name: "closed, corrupt reply", mode: FailClosed, err: corrupt, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs pipelinetest.LogBuffer
			var failures int
			e := newEnv(t, Config{OnError: tt.mode}, Options{
				Logger:       logs.Logger(),
				OnStoreError: func() { failures++ },
			})
			e.ban(t, "203.0.113.7", time.Hour)
			e.reads.fail(tt.err)
			for range 3 {
				if got := e.from(t, "203.0.113.7").StatusCode; got != tt.want {
					t.Errorf("status = %d, want %d", got, tt.want)
				}
			}
			if failures == 0 {
				t.Error("OnStoreError not called")
			}
			if n := strings.Count(logs.String(), "ban store failed"); n != 1 {
				t.Errorf("logged %d failures, want 1 per window", n)
			}
			// Errors are not cached: the store is asked again once it is back.
			e.reads.fail(nil)
			if got := e.from(t, "203.0.113.7").StatusCode; got != 403 {
				t.Errorf("store back: status = %d, want 403", got)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	st, _ := store.NewMemory(store.MemoryConfig{})
	tests := []struct {
		name string
		cfg  Config
		opts Options
		want string
	}{
		{name: "no marks", want: "Marks is required"},
		{name: "bad kind", cfg: Config{Keys: []string{"cookie"}}, opts: Options{Marks: st}, want: "unknown key kind"},
		{name: "kind twice", cfg: Config{Keys: []string{"ip", "ip"}}, opts: Options{Marks: st}, want: "twice"},
		{name: "cache size", cfg: Config{CacheSize: -1}, opts: Options{Marks: st}, want: "cache size"},
		{name: "fail mode", cfg: Config{OnError: "sometimes"}, opts: Options{Marks: st}, want: "fail mode"},
		{name: "event window", cfg: Config{EventWindow: -1}, opts: Options{Marks: st}, want: "event window"},
		{name: "event keys", cfg: Config{EventKeys: -1}, opts: Options{Marks: st}, want: "event keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	g, err := New(Config{}, Options{Marks: st})
	if err != nil || g.Name() != "ban" {
		t.Errorf("defaults: %v, %v; want a guard named ban", g, err)
	}
}

func TestDenialCauseStaysPrivate(t *testing.T) {
	e := newEnv(t, Config{}, Options{})
	now := e.clock.Now()
	if _, err := Ban(t.Context(), e.store, store.Mark{Key: "203.0.113.7", Since: now, Until: now.Add(time.Hour),
		Reason: "stuffing from botnet X", Source: "detect"}); err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "203.0.113.7:1"
	_, err := e.guard.Check(r)
	var d *pipeline.Denial
	if !errors.As(err, &d) || !strings.Contains(d.Cause.Error(), "botnet X") || strings.Contains(d.PublicMessage, "botnet") {
		t.Errorf("denial = %+v, want the reason in the private cause only", d)
	}
}
