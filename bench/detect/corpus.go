package main

import (
	"github.com/rampartsec/rampart/internal/injection/corpus"
)

// sample is one labelled value.
type sample struct {
	key     string // "corpus/type", e.g. "httpparams/sqli", "libinjection/benign"
	payload string
	attack  bool
}

// isDev reports whether a payload is in the dev split (corpus.IsDev, the
// rule internal/injection/corpus_test.go uses).
func isDev(payload string) bool { return corpus.IsDev(payload) }

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
func findDatasets(flagDir string) (string, error) { return corpus.Find(flagDir) }

func loadSamples(dir string) ([]sample, error) {
	all, err := corpus.Load(dir)
	if err != nil {
		return nil, err
	}
	out := make([]sample, len(all))
	for i, s := range all {
		out[i] = sample{key: s.Key(), payload: s.Payload, attack: s.Attack}
	}
	return out, nil
}
