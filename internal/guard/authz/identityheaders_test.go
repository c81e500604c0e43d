package authz

import (
	"net/http"
	"testing"
)

func TestStripIdentityHeaders(t *testing.T) {
	ih, err := compileIdentityHeaders(nil, []string{"Remote-User"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{
		"X-Rampart-Subject": {"a"}, "X_rampart_x": {"b"}, "X-Rampart-": {"c"}, "Remote_user": {"d"},
		"X-Rampartx": {"keep"}, "Accept": {"keep"},
		"Connection": {"keep-alive, X-RAMPART-SUBJECT", "remote_user,  x-other "},
	}
	ih.strip(h)
	want := http.Header{"X-Rampartx": {"keep"}, "Accept": {"keep"}, "Connection": {"keep-alive", "x-other"}}
	if len(h) != len(want) || h.Get("X-Rampartx") != "keep" || h.Get("Accept") != "keep" ||
		len(h["Connection"]) != 2 || h["Connection"][0] != "keep-alive" || h["Connection"][1] != "x-other" {
		t.Errorf("after strip: %v, want %v", h, want)
	}
	h = http.Header{"Connection": {"X-Rampart-Subject"}}
	ih.strip(h)
	if _, ok := h["Connection"]; ok {
		t.Errorf("Connection naming only identity headers should go, got %q", h["Connection"])
	}
}

func TestSafeValues(t *testing.T) {
	for s, want := range map[string]bool{
		"alice": true, "": true, "a b": true, "ä": true, " a": false, "a ": false, "a\r\nb": false,
		"a\x00": false, "a\tb": false, "a\x7f": false,
	} {
		if got := safeHeaderValue(s); got != want {
			t.Errorf("safeHeaderValue(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"orders:read": true, "a\"b\\": true, "": false, "a b": false, "a\u00a0b": false, "a\u0085": false, "é": false,
	} {
		if got := forwardableToken(s); got != want {
			t.Errorf("forwardableToken(%q) = %v, want %v", s, got, want)
		}
	}
}
