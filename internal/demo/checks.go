package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// scriptedAgent marks the scripted requests in the gateway's logs.
const scriptedAgent = "rampart-demo/scripted"

// scripted is one hand-written attack the simulator does not cover: a row
// of the second table.
type scripted struct {
	name string
	// defence names what stops it through the gateway.
	defence string
	method  string
	path    string
	body    []byte
	// succeeded tells from the response whether the attack worked.
	succeeded func(status int, body []byte) bool
}

// scriptedAttacks are the demo's attacks outside the simulator's reach.
// The others of the earlier hand-written list (banners, stack traces,
// brute force, the debug endpoint, BOLA, BFLA, SQL injection, traversal,
// XSS, card numbers) are simulator checks now and appear in its table.
func scriptedAttacks() []scripted {
	return []scripted{
		{
			// A client and a server that resolve dot segments differently:
			// the gateway routes and authorizes one path, the upstream
			// serves another. The simulator sends canonical paths only.
			name: "path confusion (/api/items/../debug/vars)", defence: "canonical path check (400)",
			method: "GET", path: "/api/items/../debug/vars",
			succeeded: func(status int, _ []byte) bool { return status != http.StatusBadRequest },
		},
		{
			// The sample API reads bodies up to 1 MiB, so the simulator's
			// body-size check (which looks for no limit at all) has nothing
			// to report; a login form still has no business being this big.
			name: "oversized login body (256 KiB)", defence: "per-route body limit (413)",
			method: "POST", path: "/api/login", body: oversizedLogin(),
			succeeded: func(status int, _ []byte) bool { return status != http.StatusRequestEntityTooLarge },
		},
	}
}

// oversizedLogin is a 256 KiB login body: harmless to the sample API, but a
// login form has no business being that large.
func oversizedLogin() []byte {
	return []byte(`{"username":"bob","password":"` + strings.Repeat("A", 256<<10) + `"}`)
}

// scriptedResult is one scripted attack's outcome both ways.
type scriptedResult struct {
	scripted
	direct, throughGateway bool
}

func runScripted(ctx context.Context, directURL, gatewayURL string) ([]scriptedResult, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	var out []scriptedResult
	for _, a := range scriptedAttacks() {
		r := scriptedResult{scripted: a}
		var err error
		if r.direct, err = try(ctx, client, directURL, a); err != nil {
			return nil, fmt.Errorf("%s (direct): %w", a.name, err)
		}
		if r.throughGateway, err = try(ctx, client, gatewayURL, a); err != nil {
			return nil, fmt.Errorf("%s (through rampart): %w", a.name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func try(ctx context.Context, client *http.Client, base string, a scripted) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, a.method, base+a.path, bytes.NewReader(a.body))
	if err != nil {
		return false, err
	}
	req.Header.Set("User-Agent", scriptedAgent)
	if a.body != nil {
		req.Header.Set("Content-Type", "application/json")
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
	return a.succeeded(resp.StatusCode, body), nil
}

func printScripted(w io.Writer, results []scriptedResult) {
	verdict := func(succeeded bool) string {
		if succeeded {
			return verdictExposed
		}
		return verdictBlocked
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCRIPTED CHECK\tDIRECT\tTHROUGH RAMPART\tSTOPPED BY")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.name, verdict(r.direct), verdict(r.throughGateway), r.defence)
	}
	_ = tw.Flush()
}
