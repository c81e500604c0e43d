package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Filter selects records for `rampart audit show`. Zero fields select all;
// a set field drops records that lack it.
type Filter struct {
	// Since and Until bound the record time (inclusive, exclusive).
	Since, Until time.Time
	// Client is an IP address or a CIDR prefix.
	Client string
	// Subject is the identity subject (outcomes, events) or the actor field
	// (admin actions).
	Subject string
	// Verdict is an outcome verdict: allowed, denied, flagged, error.
	Verdict string
	// Rule matches a denial's or event's rule, as "rule" or "guard/rule".
	Rule string
	// Kind is a record kind: outcome, event, admin, checkpoint, ...
	Kind string
}

// Output formats of RunShow.
const (
	FormatTable = "table"
	FormatJSON  = "json"
)

// ShowSummary counts what RunShow read.
type ShowSummary struct {
	Scanned, Matched int
	// Skipped counts lines that are not records (run verify).
	Skipped int
}

// RunShow writes the records of dir that match f, as an aligned table for
// reading or as the records' own JSON lines for jq. It does not verify:
// run RunVerify first to know the records are genuine. Table cells are
// escaped, so a path or message crafted with terminal control sequences
// cannot take over an investigator's terminal (CWE-150).
func RunShow(w io.Writer, dir string, f Filter, format string) (ShowSummary, error) {
	if info, err := os.Stat(dir); err != nil {
		return ShowSummary{}, fmt.Errorf("audit: %w", err)
	} else if !info.IsDir() {
		return ShowSummary{}, fmt.Errorf("audit: %s is not a directory", dir)
	}
	return ShowFS(w, os.DirFS(dir), f, format)
}

// ShowFS is RunShow over a file system holding the segments at its root.
func ShowFS(w io.Writer, fsys fs.FS, f Filter, format string) (ShowSummary, error) {
	var sum ShowSummary
	if format != FormatTable && format != FormatJSON {
		return sum, fmt.Errorf("audit: unknown format %q (want table or json)", format)
	}
	m, err := newMatcher(f)
	if err != nil {
		return sum, err
	}
	segs, _, err := listSegments(fsys)
	if err != nil {
		return sum, fmt.Errorf("audit: listing segments: %w", err)
	}
	var tw *tabwriter.Writer
	if format == FormatTable {
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTIME\tKIND\tCLIENT\tSUBJECT\tACTION\tSTATUS\tMETHOD\tPATH\tRULES")
	}
	rd := newSegmentReader(fsys, segs)
	defer rd.close()
	for {
		it, ok := rd.next()
		if !ok {
			break
		}
		if it.err != nil || it.torn || it.tooLong {
			sum.Skipped++
			continue
		}
		p, err := parseLine(it.b)
		if err != nil {
			sum.Skipped++
			continue
		}
		sum.Scanned++
		v := viewOf(&p)
		if !m.match(&p, &v) {
			continue
		}
		sum.Matched++
		if tw == nil {
			if _, err := w.Write(append(it.b, '\n')); err != nil {
				return sum, fmt.Errorf("audit: writing output: %w", err)
			}
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.rec.Seq, p.time.Format(time.RFC3339Nano), p.rec.Kind,
			cell(v.client, 45), cell(v.subject, 40), cell(v.action, 32), v.status, cell(v.method, 10), cell(v.path, 120), cell(strings.Join(v.rules, ","), 80))
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return sum, fmt.Errorf("audit: writing output: %w", err)
		}
		note := ""
		if sum.Skipped > 0 {
			note = fmt.Sprintf("; %d lines are not records: run rampart audit verify", sum.Skipped)
		}
		fmt.Fprintf(w, "%d of %d records matched%s\n", sum.Matched, sum.Scanned, note)
	}
	return sum, nil
}

// view is the part of a record the filters and the table look at.
type view struct {
	client, subject, verdict, action, status, method, path string
	rules                                                  []string
}

func viewOf(p *parsedLine) view {
	var v view
	switch p.rec.Kind {
	case KindOutcome:
		var d outcomeData
		if json.Unmarshal(p.rec.Data, &d) != nil {
			return v
		}
		v.client, v.verdict, v.action, v.method, v.path = d.Client, d.Verdict, d.Verdict, d.Method, d.Path
		v.status = strconv.Itoa(d.Status)
		if d.Identity != nil {
			v.subject = d.Identity.Subject
		}
		for _, dn := range d.Denials {
			v.rules = append(v.rules, dn.Guard+"/"+dn.Rule)
		}
	case KindEvent:
		var d eventData
		if json.Unmarshal(p.rec.Data, &d) != nil {
			return v
		}
		v.client, v.subject, v.action, v.method, v.path = d.Client, d.Subject, d.Kind, d.Method, d.Path
		if d.Rule != "" || d.Guard != "" {
			v.rules = []string{d.Guard + "/" + d.Rule}
		}
	case KindAdmin:
		var d adminData
		if json.Unmarshal(p.rec.Data, &d) != nil {
			return v
		}
		v.action, v.subject, v.client = d.Action, d.Fields["actor"], d.Fields["client"]
	case KindCheckpoint:
		var d checkpointData
		if json.Unmarshal(p.rec.Data, &d) == nil {
			v.action = "head " + strconv.FormatUint(d.HeadSeq, 10)
		}
	case KindPruned:
		var d prunedData
		if json.Unmarshal(p.rec.Data, &d) == nil {
			v.action = "up to " + strconv.FormatUint(d.UpToSeq, 10)
		}
	default:
		v.action = string(p.rec.Kind)
	}
	return v
}

type matcher struct {
	f      Filter
	client netip.Prefix
}

func newMatcher(f Filter) (*matcher, error) {
	m := &matcher{f: f}
	if f.Client != "" {
		if p, err := netip.ParsePrefix(f.Client); err == nil {
			m.client = p.Masked()
		} else if a, err := netip.ParseAddr(f.Client); err == nil {
			m.client = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		} else {
			return nil, fmt.Errorf("audit: client filter %q is neither an IP address nor a CIDR prefix", f.Client)
		}
	}
	return m, nil
}

func (m *matcher) match(p *parsedLine, v *view) bool {
	f := &m.f
	switch {
	case !f.Since.IsZero() && p.time.Before(f.Since):
		return false
	case !f.Until.IsZero() && !p.time.Before(f.Until):
		return false
	case f.Kind != "" && string(p.rec.Kind) != f.Kind:
		return false
	case f.Subject != "" && v.subject != f.Subject:
		return false
	case f.Verdict != "" && v.verdict != f.Verdict:
		return false
	}
	if m.client.IsValid() {
		a, err := netip.ParseAddr(v.client)
		if err != nil || !m.client.Contains(a.Unmap()) {
			return false
		}
	}
	if f.Rule != "" {
		found := false
		for _, r := range v.rules {
			_, rule, _ := strings.Cut(r, "/")
			if r == f.Rule || rule == f.Rule {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// cell makes a value safe and short for a terminal table: control
// characters (ESC above all), tabs, line separators, bidirectional
// overrides (they reorder what the investigator sees) and invalid UTF-8
// are escaped.
func cell(s string, limit int) string {
	if s == "" {
		return "-"
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
		} else {
			b.WriteRune(r)
		}
		if b.Len() > limit {
			return clip(b.String(), limit) + "…"
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == '\uFFFD', r == '\u2028', r == '\u2029', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
