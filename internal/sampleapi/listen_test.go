package sampleapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestStartServesOnLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		t.Run(addr, func(t *testing.T) {
			srv, err := Start(context.Background(), Config{}, addr)
			if err != nil {
				if addr == "[::1]:0" {
					t.Skipf("no IPv6 loopback here: %v", err)
				}
				t.Fatalf("Start: %v", err)
			}
			resp, err := http.Get(srv.URL() + "/api/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "{\"status\":\"ok\"}\n" {
				t.Errorf("healthz = %d %q", resp.StatusCode, body)
			}
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := srv.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, err := http.Get(srv.URL() + "/api/healthz"); err == nil {
				t.Error("server still answers after Close")
			}
		})
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.10:8080", "10.0.0.1:0", "example.com:80", "[fe80::1%lo]:0", "127.0.0.1"} {
		t.Run(addr, func(t *testing.T) {
			srv, err := Start(context.Background(), Config{}, addr)
			if err == nil {
				srv.Close()
				t.Fatalf("Start(%q) succeeded, want a refusal", addr)
			}
			if addr != "127.0.0.1" && !errors.Is(err, ErrNotLoopback) {
				t.Errorf("error = %v, want ErrNotLoopback", err)
			}
		})
	}
}

// TestStartStopsWithContext checks that cancelling Start's context shuts the
// server down, ending a stream that would otherwise run for a minute.
func TestStartStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := Start(ctx, Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL() + "/api/stream?n=3&delay_ms=30000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cancel()
	_, _ = io.ReadAll(resp.Body) // returns once the server ends the stream
	if err := srv.Close(); err != nil {
		t.Errorf("Close after cancel: %v", err)
	}
}
