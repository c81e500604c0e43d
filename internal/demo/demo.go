package demo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart/examples"
	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/gateway"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// Options configures a demo run.
type Options struct {
	// Once starts everything, runs the attacks, prints the table and returns;
	// an unexpected result is an error. Otherwise Run serves until ctx ends.
	Once bool
	// Listen is the gateway address. Default "127.0.0.1:8080"; when it is
	// taken a free loopback port is used instead.
	Listen string
	// Out receives the table and instructions; Log the process log.
	Out, Log io.Writer
}

// Run starts the sample API and the gateway, attacks both, prints the
// before/after table and, unless opts.Once, serves until ctx is done.
func Run(ctx context.Context, opts Options) error {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:8080"
	}
	dir, err := os.MkdirTemp("", "rampart-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	secret, err := writeExamples(dir)
	if err != nil {
		return err
	}
	sample, err := sampleapi.Start(ctx, sampleapi.Config{JWTSecret: string(secret)}, "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("starting the sample api: %w", err)
	}
	defer sample.Close()

	svc, err := startGateway(opts, filepath.Join(dir, examples.Demo), sample.URL())
	if err != nil {
		return err
	}
	defer func() { _ = svc.Shutdown(context.Background()) }()
	gatewayURL := "http://" + svc.HTTPAddr()

	results, err := runAttacks(ctx, sample.URL(), gatewayURL)
	if err != nil {
		return err
	}
	printTable(opts.Out, results)
	unexpected := 0
	for _, r := range results {
		if !r.direct || r.throughGateway == r.gatewayStops {
			unexpected++
		}
	}
	if opts.Once {
		if unexpected > 0 {
			return fmt.Errorf("demo self-check: %d result(s) differ from what this version should do", unexpected)
		}
		fmt.Fprintln(opts.Out, "demo self-check passed")
		return nil
	}
	fmt.Fprintf(opts.Out, `
Sample API (vulnerable, direct): %s
Through Rampart:                 %s
Metrics:                         http://%s/metrics

Try:
  curl -i %s/api/healthz                       # no Server / X-Powered-By banner
  curl -i %s/api/items/../debug/vars           # 400: non-canonical path
  curl -i -X POST %s/api/login -d @/dev/zero   # 413 before the body is read (Ctrl+C to stop curl)

Press Ctrl+C to stop.
`, sample.URL(), gatewayURL, svc.AdminAddr(), gatewayURL, gatewayURL, gatewayURL)
	<-ctx.Done()
	return nil
}

// writeExamples copies the embedded demo configuration and its token key
// into dir (relative paths in the configuration resolve against it) and
// returns the key for the sample API.
func writeExamples(dir string) ([]byte, error) {
	for _, name := range []string{examples.Demo, examples.DemoJWTSecret} {
		data, err := examples.Files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	b64, _ := examples.Files.ReadFile(examples.DemoJWTSecret)
	return base64.StdEncoding.DecodeString(strings.TrimSpace(string(b64)))
}

// startGateway loads the demo configuration, points it at the sample API
// and starts it, falling back to free ports when the defaults are taken.
func startGateway(opts Options, configPath, upstream string) (*gateway.Service, error) {
	load := func(listen, admin string) (*gateway.Service, error) {
		cfg, err := config.Load(configPath)
		if err != nil {
			return nil, err
		}
		cfg.APIs[0].Upstreams = []string{upstream}
		cfg.Listen.HTTP, cfg.Admin.Listen = listen, admin
		cfg.Logging.Level = "warn" // keep the table readable
		return gateway.Start(gateway.RunOptions{Config: cfg, Stdout: io.Discard, Stderr: opts.Log})
	}
	if opts.Once {
		return load("127.0.0.1:0", "127.0.0.1:0")
	}
	svc, err := load(opts.Listen, "127.0.0.1:9901")
	if err != nil && strings.Contains(err.Error(), "address already in use") {
		return load("127.0.0.1:0", "127.0.0.1:0")
	}
	return svc, err
}

type result struct {
	attack
	direct, throughGateway bool
}

func runAttacks(ctx context.Context, directURL, gatewayURL string) ([]result, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	token, err := login(ctx, client, directURL, "bob", "bob-password-2")
	if err != nil {
		return nil, err
	}
	var out []result
	for _, a := range attacks() {
		r := result{attack: a}
		if r.direct, err = try(ctx, client, directURL, a, token); err != nil {
			return nil, fmt.Errorf("%s (direct): %w", a.name, err)
		}
		if r.throughGateway, err = try(ctx, client, gatewayURL, a, token); err != nil {
			return nil, fmt.Errorf("%s (through rampart): %w", a.name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func try(ctx context.Context, client *http.Client, base string, a attack, token string) (bool, error) {
	var last bool
	for i := 0; i < max(a.repeat, 1); i++ {
		ok, err := tryOnce(ctx, client, base, a, token)
		if err != nil {
			return false, err
		}
		last = ok
	}
	return last, nil
}

func tryOnce(ctx context.Context, client *http.Client, base string, a attack, token string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, a.method, base+a.path, bytes.NewReader(a.body))
	if err != nil {
		return false, err
	}
	if a.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.asUser {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return false, err
	}
	return a.succeeded(resp.StatusCode, resp.Header, body), nil
}

func login(ctx context.Context, client *http.Client, base, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("logging in to the sample api: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		return "", errors.New("logging in to the sample api: no token in the response")
	}
	return tok.Token, nil
}

func printTable(w io.Writer, results []result) {
	verdict := func(succeeded bool) string {
		if succeeded {
			return "EXPOSED"
		}
		return "blocked"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ATTACK\tDIRECT\tTHROUGH RAMPART\tDEFENCE")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.name, verdict(r.direct), verdict(r.throughGateway), r.defence)
	}
	_ = tw.Flush()
}
