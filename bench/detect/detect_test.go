package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/injection"
)

// TestVerdicts checks both sides of the comparison on a few values, with
// the real engine and the real Coraza + CRS: a probe that both must flag
// and a value both must pass.
func TestVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole CRS")
	}
	waf, err := newCRSWAF()
	if err != nil {
		t.Fatal(err)
	}
	samples := []sample{
		{key: "x/sqli", payload: "1' OR '1'='1' -- ", attack: true},
		{key: "x/xss", payload: "<script>alert(1)</script>", attack: true},
		{key: "x/benign", payload: "Jane O'Brien"},
		{key: "x/benign", payload: "hello world"},
	}
	native, err := measureNative(samples)
	if err != nil {
		t.Fatal(err)
	}
	crs := measureCoraza(waf, samples, 2)
	medium := native[1]
	if medium.name != "native "+injection.Medium.String() {
		t.Fatalf("column order: %q", medium.name)
	}
	for i, s := range samples {
		if medium.flagged[i] != s.attack {
			t.Errorf("native medium flagged(%q) = %v", s.payload, medium.flagged[i])
		}
		if crs.flagged[i] != s.attack {
			t.Errorf("coraza flagged(%q) = %v", s.payload, crs.flagged[i])
		}
	}
	var out bytes.Buffer
	if err := writeReport(&out, "markdown", "test", samples, append(native, crs)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| overall/attack | 2 | detected | 100.00% | 100.00% | 100.00% | 100.00% |") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestSplit(t *testing.T) {
	var all []sample
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		all = append(all, sample{payload: p})
	}
	dev, held := selectSplit(all, "dev"), selectSplit(all, "heldout")
	if len(dev)+len(held) != len(all) || len(selectSplit(all, "all")) != len(all) {
		t.Fatalf("split sizes %d + %d != %d", len(dev), len(held), len(all))
	}
	for _, s := range dev {
		if !isDev(s.payload) {
			t.Errorf("%q in dev", s.payload)
		}
	}
}
