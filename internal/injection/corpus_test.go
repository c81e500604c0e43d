package injection

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The labelled corpus test measures detection and false-positive rates on
// two public data sets kept outside the module (see their SOURCE.md):
//
//   - HttpParams (payload_full.csv): benign CSIC 2010 parameter values and
//     sqli, xss, cmdi and path-traversal attacks, raw (not URL-encoded);
//   - libinjection's test data: sqli-*.txt and xss-*.txt attacks and
//     false_positives.txt benign inputs, one URL-encoded query value per
//     line.
//
// Every value is scanned as a query parameter value (Context Query); a value
// is flagged when its total score reaches the engine's Threshold. The test
// prints the rates per attack type for every sensitivity and fails when, at
// Medium, overall detection is below 95% or more than 2% of benign values
// are flagged.
//
// The data sets are a held-out set: the detectors were written from first
// principles, not from these rows. Figures are printed for the whole set
// and separately for the held-out part, the rows with
// fnv32(payload) % 5 != 0 (FNV-1, 32 bit); the dev part (% 5 == 0) is the
// only part anyone may look at when tuning. The published figures are the
// held-out ones.
//
// Data location: $RAMPART_DATASETS, else a directory shared/datasets found
// by walking up from this package (a sibling of the module root). Without
// data the test skips, unless CI=true, where it fails.

// devMisses prints the dev split's misses and false positives at Medium,
// the only rows that may be read when tuning. Held-out rows are never
// printed.
var devMisses = flag.Bool("corpus.devmisses", false, "print the dev split's misses and false positives at Medium")

const (
	minDetection    = 0.95
	maxFalsePosRate = 0.02
)

// sample is one labelled value.
type sample struct {
	corpus  string // "httpparams" or "libinjection"
	typ     string // attack type, or "benign"
	payload string
	attack  bool
}

// isDev reports whether a payload belongs to the dev split.
func isDev(payload string) bool {
	h := fnv.New32()
	h.Write([]byte(payload))
	return h.Sum32()%5 == 0
}

func findDatasets(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("RAMPART_DATASETS"); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidate := filepath.Join(dir, "shared", "datasets")
			if st, err := os.Stat(candidate); err == nil && st.IsDir() {
				return candidate
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("corpus: no data sets found (set RAMPART_DATASETS, or provide shared/datasets beside the module); CI requires them")
	}
	t.Skip("corpus: no data sets found; set RAMPART_DATASETS to run")
	return ""
}

func loadCorpus(t testing.TB) []sample {
	dir := findDatasets(t)
	var out []sample
	out = append(out, loadHTTPParams(t, filepath.Join(dir, "httpparams", "payload_full.csv"))...)
	out = append(out, loadLibinjection(t, filepath.Join(dir, "libinjection-data"))...)
	if len(out) == 0 {
		t.Fatalf("corpus: %s holds no samples", dir)
	}
	return out
}

func loadHTTPParams(t testing.TB, path string) []sample {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 4
	header, err := r.Read()
	if err != nil || header[0] != "payload" || header[2] != "attack_type" || header[3] != "label" {
		t.Fatalf("corpus: %s: unexpected header %q (%v)", path, header, err)
	}
	var out []sample
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("corpus: %s: %v", path, err)
		}
		s := sample{corpus: "httpparams", payload: rec[0], typ: rec[2], attack: rec[3] == "anom"}
		if !s.attack {
			s.typ = "benign"
		}
		out = append(out, s)
	}
	return out
}

func loadLibinjection(t testing.TB, dir string) []sample {
	var out []sample
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus: no libinjection files in %s (%v)", dir, err)
	}
	for _, path := range files {
		base := filepath.Base(path)
		var typ string
		switch {
		case strings.HasPrefix(base, "sqli-"):
			typ = "sqli"
		case strings.HasPrefix(base, "xss-"):
			typ = "xss"
		case base == "false_positives.txt":
			typ = "benign"
		default:
			continue // "tbd-…": undecided upstream
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("corpus: %v", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			// Lines are URL-encoded query values: decode once, as the
			// gateway's query parser does; keep a line that does not
			// decode as it is.
			value, err := url.QueryUnescape(line)
			if err != nil {
				value = line
			}
			out = append(out, sample{corpus: "libinjection", typ: typ, payload: value, attack: typ != "benign"})
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("corpus: %s: %v", path, err)
		}
	}
	return out
}

// tally counts flagged values per (corpus, type).
type tally struct {
	flagged, total map[string]int
}

func newTally() tally { return tally{flagged: map[string]int{}, total: map[string]int{}} }

func (tl tally) add(key string, flagged bool) {
	tl.total[key]++
	if flagged {
		tl.flagged[key]++
	}
}

func (tl tally) rate(key string) float64 {
	if tl.total[key] == 0 {
		return 0
	}
	return float64(tl.flagged[key]) / float64(tl.total[key])
}

// measure scans every sample and tallies by corpus/type, overall attack
// and overall benign, split by part ("all", "held-out", "dev").
func measure(e *Engine, samples []sample) map[string]tally {
	parts := map[string]tally{"all": newTally(), "held-out": newTally(), "dev": newTally()}
	var buf []Match
	for _, s := range samples {
		buf = e.Scan(s.payload, Query, buf[:0])
		flagged := Total(buf) >= e.Threshold()
		part := "held-out"
		if isDev(s.payload) {
			part = "dev"
		}
		for _, p := range []string{"all", part} {
			parts[p].add(s.corpus+"/"+s.typ, flagged)
			if s.attack {
				parts[p].add("overall/attack", flagged)
			} else {
				parts[p].add("overall/benign", flagged)
			}
		}
	}
	return parts
}

func TestCorpus(t *testing.T) {
	samples := loadCorpus(t)
	if testing.Short() {
		t.Skip("corpus: skipped in -short mode")
	}
	var medium map[string]tally
	for _, level := range []Sensitivity{Low, Medium, High} {
		e, err := NewEngine(Config{Sensitivity: level})
		if err != nil {
			t.Fatal(err)
		}
		parts := measure(e, samples)
		if level == Medium {
			medium = parts
		}
		for _, part := range []string{"held-out", "dev", "all"} {
			tl := parts[part]
			keys := make([]string, 0, len(tl.total))
			for k := range tl.total {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			fmt.Fprintf(&b, "sensitivity %s, %s rows (threshold %d):\n", level, part, e.Threshold())
			for _, k := range keys {
				what := "detected"
				if strings.HasSuffix(k, "/benign") {
					what = "flagged (false positives)"
				}
				fmt.Fprintf(&b, "  %-28s %6d/%-6d %6.2f%% %s\n", k, tl.flagged[k], tl.total[k], 100*tl.rate(k), what)
			}
			t.Log(b.String())
		}
	}
	if *devMisses {
		printDevMisses(t, samples)
	}
	held := medium["held-out"]
	if r := held.rate("overall/attack"); r < minDetection {
		t.Errorf("medium, held-out: attack detection %.2f%% < %.0f%%", 100*r, 100*minDetection)
	}
	if r := held.rate("overall/benign"); r > maxFalsePosRate {
		t.Errorf("medium, held-out: benign flagged %.2f%% > %.0f%%", 100*r, 100*maxFalsePosRate)
	}
}

func printDevMisses(t *testing.T, samples []sample) {
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var buf []Match
	for _, s := range samples {
		if !isDev(s.payload) {
			continue
		}
		buf = e.Scan(s.payload, Query, buf[:0])
		flagged := Total(buf) >= e.Threshold()
		if flagged != s.attack {
			what := "MISS"
			if !s.attack {
				what = "FP"
			}
			var rules []string
			for _, m := range buf {
				rules = append(rules, fmt.Sprintf("%s:%d(%s,%s)", m.Rule.ID, m.Score, m.Reason, m.Variant))
			}
			t.Logf("dev %s %s/%s total=%d %v %q", what, s.corpus, s.typ, Total(buf), rules, s.payload)
		}
	}
}
