package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// requestGrace bounds one request beyond the end of a measurement, so a
// stuck target cannot hang the run.
const requestGrace = 10 * time.Second

// sample is one measurement of one target under one workload.
type sample struct {
	Requests  int           // successful requests completed
	Errors    int           // transport errors, non-200 answers, short bodies
	FirstErr  string        // the first error seen, for diagnosis
	Elapsed   time.Duration // from the start signal to the last worker's exit
	P50, P99  time.Duration
	Max       time.Duration
	Truncated bool   // a worker filled its latency slice and stopped early
	CPU       cpuUse // cores used by this process and by others meanwhile
}

// RPS is successful requests per second.
func (s sample) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// CPUPerRequest is the CPU this whole process (generator, upstream and
// proxy) spent per successful request: less sensitive to other processes
// than req/s, since time they take is not counted (0 off Linux).
func (s sample) CPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return time.Duration(s.CPU.Self * float64(s.Elapsed) / float64(s.Requests))
}

// generator is a closed-loop load generator: every worker is one goroutine
// with its own keep-alive connection, sending the next request as soon as
// the previous answer has been read. Latency slices are allocated once and
// reused, so the generator allocates nothing per request beyond what
// net/http itself does.
type generator struct {
	workers []*worker
	merged  []time.Duration
}

type worker struct {
	lat      []time.Duration
	errs     int
	firstErr error
	client   *http.Client
	tr       *http.Transport
}

// newGenerator preallocates conns workers that can each record perWorker
// latencies.
func newGenerator(conns, perWorker int) *generator {
	g := &generator{merged: make([]time.Duration, 0, conns*perWorker)}
	for range conns {
		g.workers = append(g.workers, &worker{lat: make([]time.Duration, 0, perWorker)})
	}
	return g
}

// measure warms t up for warmup, then measures it for d. Both phases use
// the same fresh connections, closed afterwards.
func (g *generator) measure(ctx context.Context, t target, wl workload, warmup, d time.Duration) (sample, error) {
	for _, w := range g.workers {
		w.tr = newClientTransport()
		w.client = &http.Client{
			Transport:     w.tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	defer func() {
		for _, w := range g.workers {
			w.tr.CloseIdleConnections()
			w.tr, w.client = nil, nil
		}
	}()
	if warmup > 0 {
		if _, err := g.phase(ctx, t, wl, warmup, false); err != nil {
			return sample{}, err
		}
	}
	return g.phase(ctx, t, wl, d, true)
}

// newClientTransport is one worker's transport: exactly one keep-alive
// connection, no compression (the servers never compress, and the client
// must not ask), no environment proxy.
func newClientTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:          1,
		MaxIdleConnsPerHost:   1,
		MaxConnsPerHost:       1,
		IdleConnTimeout:       time.Minute,
		ResponseHeaderTimeout: requestGrace,
		DisableCompression:    true,
	}
}

// phase runs every worker against t for d. With record false (warm-up)
// nothing is kept.
func (g *generator) phase(ctx context.Context, t target, wl workload, d time.Duration, record bool) (sample, error) {
	tmpl, err := http.NewRequest(wl.method, t.base+wl.path, nil)
	if err != nil {
		return sample{}, fmt.Errorf("building request: %w", err)
	}
	if wl.body != nil {
		tmpl.Header.Set("Content-Type", "application/json")
		tmpl.ContentLength = int64(len(wl.body))
	}
	for name, values := range t.header {
		tmpl.Header[name] = values // shared by every request: the Transport only reads it
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	var deadline time.Time
	var reqCtx context.Context
	for _, w := range g.workers {
		w.lat, w.errs, w.firstErr = w.lat[:0], 0, nil
		wg.Go(func() {
			<-start // deadline and reqCtx are set before start is closed
			w.run(reqCtx, tmpl, wl.body, deadline, record)
		})
	}
	cpu0 := readCPU()
	t0 := time.Now()
	deadline = t0.Add(d)
	reqCtx, cancel := context.WithDeadline(ctx, deadline.Add(requestGrace))
	defer cancel()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	cpu := cpuBetween(cpu0, readCPU())
	if err := ctx.Err(); err != nil {
		return sample{}, err
	}
	if !record {
		return sample{}, nil
	}
	s := g.collect(elapsed)
	s.CPU = cpu
	return s, nil
}

// run is one worker's closed loop. It stops at the deadline, when its
// latency slice is full, or when ctx ends.
func (w *worker) run(ctx context.Context, tmpl *http.Request, body []byte, deadline time.Time, record bool) {
	for {
		t0 := time.Now()
		if !t0.Before(deadline) || (record && len(w.lat) == cap(w.lat)) {
			return
		}
		err := w.do(ctx, tmpl, body)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.errs++
			if w.firstErr == nil {
				w.firstErr = err
			}
			continue
		}
		if record {
			w.lat = append(w.lat, time.Since(t0))
		}
	}
}

// do sends one request built from tmpl and reads the whole answer.
func (w *worker) do(ctx context.Context, tmpl *http.Request, body []byte) error {
	// A shallow copy of the template is a valid new request: the Transport
	// only reads it. It saves parsing the URL on every request, which would
	// take CPU from the servers sharing these two cores.
	req := tmpl.WithContext(ctx)
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Errorf("reading response: %w", err)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d", resp.StatusCode)
	case n != upstreamBodyBytes:
		return fmt.Errorf("response body of %d bytes, want %d", n, upstreamBodyBytes)
	}
	return nil
}

// collect merges the workers' latencies into one sorted slice and
// summarises it.
func (g *generator) collect(elapsed time.Duration) sample {
	s := sample{Elapsed: elapsed}
	g.merged = g.merged[:0]
	var firstErr error
	for _, w := range g.workers {
		g.merged = append(g.merged, w.lat...)
		s.Errors += w.errs
		firstErr = cmp.Or(firstErr, w.firstErr)
		s.Truncated = s.Truncated || len(w.lat) == cap(w.lat)
	}
	if firstErr != nil {
		s.FirstErr = firstErr.Error()
	}
	s.Requests = len(g.merged)
	slices.Sort(g.merged)
	s.P50 = percentile(g.merged, 0.50)
	s.P99 = percentile(g.merged, 0.99)
	if n := len(g.merged); n > 0 {
		s.Max = g.merged[n-1]
	}
	return s
}

// percentile is the nearest-rank percentile of sorted (0 when empty).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(float64(len(sorted))*p)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
