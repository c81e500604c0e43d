package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// writeReport prints, per corpus/type, the share of values each column
// flagged: the detection rate for attack types, the false-positive rate
// for benign ones; then the overall attack and benign rates.
func writeReport(w io.Writer, format, split string, samples []sample, columns []column) error {
	type row struct {
		key     string
		attack  bool
		total   int
		flagged []int
	}
	rows := map[string]*row{}
	get := func(key string, attack bool) *row {
		r := rows[key]
		if r == nil {
			r = &row{key: key, attack: attack, flagged: make([]int, len(columns))}
			rows[key] = r
		}
		return r
	}
	for i, s := range samples {
		overall := "overall/benign"
		if s.attack {
			overall = "overall/attack"
		}
		for _, r := range []*row{get(s.key, s.attack), get(overall, s.attack)} {
			r.total++
			for c := range columns {
				if columns[c].flagged[i] {
					r.flagged[c]++
				}
			}
		}
	}
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, oj := strings.HasPrefix(keys[i], "overall/"), strings.HasPrefix(keys[j], "overall/")
		if oi != oj {
			return oj
		}
		return keys[i] < keys[j]
	})

	header := []string{"corpus/type", "n", "measures"}
	for _, c := range columns {
		header = append(header, c.name)
	}
	var lines [][]string
	for _, k := range keys {
		r := rows[k]
		what := "detected"
		if !r.attack {
			what = "false positives"
		}
		line := []string{k, fmt.Sprint(r.total), what}
		for c := range columns {
			line = append(line, fmt.Sprintf("%.2f%%", 100*float64(r.flagged[c])/float64(max(r.total, 1))))
		}
		lines = append(lines, line)
	}
	fmt.Fprintf(w, "split: %s (%d values)\n\n", split, len(samples))
	if format == "markdown" {
		fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
		fmt.Fprintln(w, "|"+strings.Repeat("---|", len(header)))
		for _, l := range lines {
			fmt.Fprintln(w, "| "+strings.Join(l, " | ")+" |")
		}
		return nil
	}
	widths := make([]int, len(header))
	for _, l := range append([][]string{header}, lines...) {
		for i, cell := range l {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, l := range append([][]string{header}, lines...) {
		for i, cell := range l {
			if i < 3 {
				fmt.Fprintf(w, "%-*s  ", widths[i], cell)
			} else {
				fmt.Fprintf(w, "%*s  ", widths[i], cell)
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}
