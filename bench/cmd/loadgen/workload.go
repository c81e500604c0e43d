package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// Sizes of the synthetic traffic. The POST body is the "1.5 KB JSON" of the
// benchmark; the upstream answer is the "~200-byte JSON" every request gets.
const (
	postBodyBytes     = 1536
	upstreamBodyBytes = 200
)

// workload is one request shape, sent the same way to every target.
type workload struct {
	name   string // "get" or "post", used by -workloads and in reports
	method string
	path   string // path and query, appended to a target's base URL
	body   []byte // nil for GET
}

// workloads returns the two request shapes of the benchmark.
func workloads() []workload {
	return []workload{
		{name: "get", method: http.MethodGet, path: "/api/items/123?q=hello"},
		{name: "post", method: http.MethodPost, path: "/api/items", body: paddedJSON(postBodyBytes,
			`{"name":"widget","sku":"W-123","price":9.99,"currency":"EUR","tags":["blue","small"],"note":"`, `"}`)},
	}
}

// upstreamBody is the JSON object the upstream answers with.
func upstreamBody() []byte {
	return paddedJSON(upstreamBodyBytes,
		`{"id":123,"name":"widget","price":9.99,"currency":"EUR","stock":42,"updated":"2026-11-28T00:00:00Z","note":"`, `"}`)
}

// paddedJSON returns head + padding + tail of exactly n bytes; head opens a
// JSON string that tail closes, so the result stays valid JSON.
func paddedJSON(n int, head, tail string) []byte {
	pad := n - len(head) - len(tail)
	if pad < 0 {
		panic(fmt.Sprintf("paddedJSON: %d bytes cannot hold %q…%q", n, head, tail))
	}
	var b bytes.Buffer
	b.Grow(n)
	b.WriteString(head)
	b.WriteString(strings.Repeat("x", pad))
	b.WriteString(tail)
	return b.Bytes()
}
