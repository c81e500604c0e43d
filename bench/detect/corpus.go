package main

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

// sample is one labelled value.
type sample struct {
	key     string // "corpus/type", e.g. "httpparams/sqli", "libinjection/benign"
	payload string
	attack  bool
}

// isDev reports whether a payload is in the dev split (the same rule as
// internal/injection/corpus_test.go).
func isDev(payload string) bool {
	h := fnv.New32()
	h.Write([]byte(payload))
	return h.Sum32()%5 == 0
}

func selectSplit(samples []sample, split string) []sample {
	if split == "all" {
		return samples
	}
	var out []sample
	for _, s := range samples {
		if isDev(s.payload) == (split == "dev") {
			out = append(out, s)
		}
	}
	return out
}

// findDatasets returns the data set directory: the flag, then
// $RAMPART_DATASETS, then shared/datasets in the working directory or one
// of its parents.
func findDatasets(flagDir string) (string, error) {
	for _, d := range []string{flagDir, os.Getenv("RAMPART_DATASETS")} {
		if d != "" {
			return d, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "shared", "datasets")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no data sets found: pass -datasets or set RAMPART_DATASETS")
		}
	}
}

func loadSamples(dir string) ([]sample, error) {
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

// loadHTTPParams reads payload,length,attack_type,label rows; values are
// raw.
func loadHTTPParams(path string) ([]sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 4
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []sample
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s := sample{key: "httpparams/" + rec[2], payload: rec[0], attack: rec[3] == "anom"}
		if !s.attack {
			s.key = "httpparams/benign"
		}
		out = append(out, s)
	}
}

// loadLibinjection reads sqli-*.txt, xss-*.txt and false_positives.txt:
// one URL-encoded value per line, '#' comments.
func loadLibinjection(dir string) ([]sample, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no libinjection files in %s", dir)
	}
	var out []sample
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
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
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
			out = append(out, sample{key: "libinjection/" + typ, payload: value, attack: typ != "benign"})
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return out, nil
}
