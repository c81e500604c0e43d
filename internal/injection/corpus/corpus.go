// Package corpus reads the public labelled data sets the injection
// detector is measured on (../shared/datasets: HttpParams and libinjection's
// test data) and holds the dev/held-out split rule, so the corpus test and
// bench/detect read the same rows the same way.
package corpus

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Sample is one labelled value.
type Sample struct {
	Corpus  string // "httpparams" or "libinjection"
	Type    string // attack type ("sqli", "xss", "cmdi", "path-traversal"), or "benign"
	Payload string
	Attack  bool
}

// Key names the sample's row in a results table: "httpparams/sqli".
func (s Sample) Key() string { return s.Corpus + "/" + s.Type }

// IsDev reports whether a payload belongs to the dev split, the only rows
// ever read while tuning (fnv32(payload) % 5 == 0); the rest is held out.
func IsDev(payload string) bool {
	h := fnv.New32()
	h.Write([]byte(payload))
	return h.Sum32()%5 == 0
}

// ErrNotFound says no data set directory was found.
var ErrNotFound = errors.New("no data sets found: set RAMPART_DATASETS or provide shared/datasets")

// Find returns the data set directory: dir when set, then
// $RAMPART_DATASETS, then a shared/datasets directory in the working
// directory or one of its parents.
func Find(dir string) (string, error) {
	for _, d := range []string{dir, os.Getenv("RAMPART_DATASETS")} {
		if d != "" {
			return d, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "shared", "datasets")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", ErrNotFound
		}
	}
}

// Load reads every sample of both data sets in dir.
func Load(dir string) ([]Sample, error) {
	hp, err := loadHTTPParams(filepath.Join(dir, "httpparams", "payload_full.csv"))
	if err != nil {
		return nil, err
	}
	li, err := loadLibinjection(filepath.Join(dir, "libinjection-data"))
	if err != nil {
		return nil, err
	}
	return append(hp, li...), nil
}

// loadHTTPParams reads payload,length,attack_type,label rows; values are raw.
func loadHTTPParams(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 4
	header, err := r.Read()
	if err != nil || header[0] != "payload" || header[2] != "attack_type" || header[3] != "label" {
		return nil, fmt.Errorf("%s: unexpected header %q (%v)", path, header, err)
	}
	var out []Sample
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s := Sample{Corpus: "httpparams", Payload: rec[0], Type: rec[2], Attack: rec[3] == "anom"}
		if !s.Attack {
			s.Type = "benign"
		}
		out = append(out, s)
	}
}

// loadLibinjection reads sqli-*.txt, xss-*.txt and false_positives.txt: one
// URL-encoded value per line, '#' comments. Values are decoded once, as the
// gateway's query parser does; a line that does not decode is kept as is.
func loadLibinjection(dir string) ([]Sample, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no libinjection files in %s (%v)", dir, err)
	}
	var out []Sample
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
		samples, err := readLines(path, typ)
		if err != nil {
			return nil, err
		}
		out = append(out, samples...)
	}
	return out, nil
}

func readLines(path, typ string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		value, err := url.QueryUnescape(line)
		if err != nil {
			value = line
		}
		out = append(out, Sample{Corpus: "libinjection", Type: typ, Payload: value, Attack: typ != "benign"})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
