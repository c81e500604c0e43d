// Command detect measures Rampart's injection detection library
// (internal/injection) on the held-out labelled corpora and, for
// comparison, Coraza with the OWASP Core Rule Set at paranoia level 1.
//
// Every value is evaluated as the value of one query parameter:
//
//   - native: injection.Engine.Scan(value, injection.Query); a value is
//     flagged when its total score reaches Engine.Threshold(), at each of
//     the Low, Medium and High sensitivities;
//   - coraza: a Coraza v3 transaction for "GET /?q=<value, percent-encoded>"
//     through CRS v4 (coraza.conf-recommended, crs-setup.conf.example,
//     SecRuleEngine On, tx.blocking_paranoia_level=1); a value is flagged
//     when the transaction is interrupted, which CRS does (rule 949110) when
//     the inbound anomaly score reaches its threshold, 5 by default.
//
// The corpora are HttpParams (raw values) and libinjection's test data
// (URL-encoded lines, decoded once, as a query parser would), found via
// -datasets, $RAMPART_DATASETS, or a shared/datasets directory beside the
// module. Rows are split as in internal/injection/corpus_test.go: the dev
// split is fnv32(payload) % 5 == 0 (FNV-1, 32 bit), the only rows ever read
// while tuning; the rest is held out, and it is what -split heldout (the
// default) reports.
//
// Usage:
//
//	go run ./bench/detect                     # held-out table, native and Coraza
//	go run ./bench/detect -coraza=false       # native only (seconds)
//	go run ./bench/detect -split all -format markdown
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "detect:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	datasets := fs.String("datasets", "", "data set directory (default: $RAMPART_DATASETS, else shared/datasets beside the module)")
	split := fs.String("split", "heldout", "rows to measure: heldout, dev or all")
	withCoraza := fs.Bool("coraza", true, "also measure Coraza + CRS at paranoia level 1")
	workers := fs.Int("workers", min(2, runtime.NumCPU()), "parallel Coraza transactions")
	format := fs.String("format", "table", "output: table or markdown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *split != "heldout" && *split != "dev" && *split != "all" {
		return fmt.Errorf("unknown -split %q (want heldout, dev or all)", *split)
	}
	if *format != "table" && *format != "markdown" {
		return fmt.Errorf("unknown -format %q (want table or markdown)", *format)
	}
	dir, err := findDatasets(*datasets)
	if err != nil {
		return err
	}
	samples, err := loadSamples(dir)
	if err != nil {
		return err
	}
	samples = selectSplit(samples, *split)

	var columns []column
	native, err := measureNative(samples)
	if err != nil {
		return err
	}
	columns = append(columns, native...)
	if *withCoraza {
		start := time.Now()
		waf, err := newCRSWAF()
		if err != nil {
			return err
		}
		columns = append(columns, measureCoraza(waf, samples, max(1, *workers)))
		fmt.Fprintf(stderr, "coraza: %d values in %s\n", len(samples), time.Since(start).Round(time.Second))
	}
	return writeReport(stdout, *format, *split, samples, columns)
}
