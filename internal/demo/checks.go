package demo

import (
	"bytes"
	"net/http"
	"strings"
)

// attack is one row of the before/after table.
type attack struct {
	name string
	// defence names what stops it through the gateway (or will).
	defence string
	method  string
	path    string
	body    []byte
	// asUser sends bob's bearer token.
	asUser bool
	// repeat sends the request this many times (default once); the
	// verdict is taken from the last response.
	repeat int
	// succeeded tells from the response whether the attack worked.
	succeeded func(status int, h http.Header, body []byte) bool
	// gatewayStops is whether this version of the gateway blocks it.
	gatewayStops bool
}

func attacks() []attack {
	return []attack{
		{
			name: "fingerprinting (Server, X-Powered-By)", defence: "response hygiene",
			method: "GET", path: "/api/healthz", gatewayStops: true,
			succeeded: func(_ int, h http.Header, _ []byte) bool {
				return h.Get("Server") != "" || h.Get("X-Powered-By") != ""
			},
		},
		{
			name: "verbose error with stack trace", defence: "response hygiene (stack traces masked)",
			method: "GET", path: "/api/search?q=%27", asUser: true, gatewayStops: true,
			succeeded: func(_ int, _ http.Header, b []byte) bool {
				return bytes.Contains(b, []byte("goroutine ")) || bytes.Contains(b, []byte(".go:"))
			},
		},
		{
			name: "oversized request body (DoS)", defence: "per-route body limit (413)",
			method: "POST", path: "/api/login", body: oversizedLogin(), gatewayStops: true,
			succeeded: func(status int, _ http.Header, _ []byte) bool { return status != http.StatusRequestEntityTooLarge },
		},
		{
			name: "path confusion (/api/items/../debug/vars)", defence: "canonical path check (400)",
			method: "GET", path: "/api/items/../debug/vars", gatewayStops: true,
			succeeded: func(status int, _ http.Header, _ []byte) bool { return status != http.StatusBadRequest },
		},
		{
			name: "brute force on alice's password (12 tries)", defence: "brute-force lockout (429)",
			method: "POST", path: "/api/login", body: []byte(`{"username":"alice","password":"guess"}`), repeat: 12,
			gatewayStops: true,
			succeeded:    func(status int, _ http.Header, _ []byte) bool { return status != http.StatusTooManyRequests },
		},
		{
			name: "unauthenticated access to the debug endpoint", defence: "authentication on every route (401)",
			method: "GET", path: "/api/debug/vars", gatewayStops: true,
			succeeded: func(status int, _ http.Header, b []byte) bool {
				return status == http.StatusOK && bytes.Contains(b, []byte("secret"))
			},
		},
		{
			name: "BOLA: bob reads alice's item", defence: "object ownership learned from responses (403)",
			method: "GET", path: "/api/items/3", asUser: true, gatewayStops: true,
			succeeded: func(status int, _ http.Header, b []byte) bool {
				return status == http.StatusOK && bytes.Contains(b, []byte("Alice"))
			},
		},
		{
			name: "BOLA: bob reads alice's order and card", defence: "object ownership learned from responses (403)",
			method: "GET", path: "/api/orders/1", asUser: true, gatewayStops: true,
			succeeded: func(status int, _ http.Header, b []byte) bool {
				return status == http.StatusOK && bytes.Contains(b, []byte("4111111111111111"))
			},
		},
		{
			name: "BFLA: bob calls the admin user list", defence: "role required per route (403)",
			method: "GET", path: "/api/admin/users", asUser: true, gatewayStops: true,
			succeeded: func(status int, _ http.Header, b []byte) bool {
				return status == http.StatusOK && bytes.Contains(b, []byte("alice"))
			},
		},
		{
			name: "SQL injection dumps every user's items", defence: "injection guard (planned)",
			method: "GET", path: "/api/search?q=%27%20OR%20%271%27%3D%271", asUser: true,
			succeeded: func(status int, _ http.Header, b []byte) bool {
				return status == http.StatusOK && bytes.Contains(b, []byte("tax return"))
			},
		},
		{
			name: "card numbers in bob's own orders", defence: "response data-leak masking (planned)",
			method: "GET", path: "/api/orders", asUser: true,
			succeeded: func(status int, _ http.Header, b []byte) bool {
				return status == http.StatusOK && bytes.Contains(b, []byte("5555555555554444"))
			},
		},
	}
}

// oversizedLogin is a 256 KiB login body: harmless to the sample API, but a
// login form has no business being that large.
func oversizedLogin() []byte {
	return []byte(`{"username":"bob","password":"` + strings.Repeat("A", 256<<10) + `"}`)
}
