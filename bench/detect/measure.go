package main

import (
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"

	"github.com/rampartsec/rampart/internal/injection"
)

// column is one detector configuration's verdicts, one per sample.
type column struct {
	name    string
	flagged []bool
}

func measureNative(samples []sample) ([]column, error) {
	var out []column
	for _, level := range []injection.Sensitivity{injection.Low, injection.Medium, injection.High} {
		e, err := injection.NewEngine(injection.Config{Sensitivity: level})
		if err != nil {
			return nil, err
		}
		c := column{name: "native " + level.String(), flagged: make([]bool, len(samples))}
		var buf []injection.Match
		for i, s := range samples {
			buf = e.Scan(s.payload, injection.Query, buf[:0])
			c.flagged[i] = injection.Total(buf) >= e.Threshold()
		}
		out = append(out, c)
	}
	return out, nil
}

// crsDirectives load the Coraza recommended configuration and CRS, turn
// blocking on, set paranoia level 1 as crs-setup.conf.example documents
// (rule 900000) and keep the audit log off (nothing to write during a
// benchmark).
const crsDirectives = `Include @coraza.conf-recommended
Include @crs-setup.conf.example
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=1"
Include @owasp_crs/*.conf
SecRuleEngine On
SecAuditEngine Off
`

func newCRSWAF() (coraza.WAF, error) {
	waf, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(crsDirectives))
	if err != nil {
		return nil, fmt.Errorf("building Coraza with CRS: %w", err)
	}
	return waf, nil
}

// corazaFlags evaluates one value as "GET /?q=<value>" with ordinary
// browser headers, and reports whether CRS interrupted the transaction.
func corazaFlags(waf coraza.WAF, value string) bool {
	tx := waf.NewTransaction()
	defer func() {
		tx.ProcessLogging()
		tx.Close()
	}()
	tx.ProcessConnection("127.0.0.1", 40000, "127.0.0.1", 8080)
	tx.ProcessURI("/search?q="+url.QueryEscape(value), "GET", "HTTP/1.1")
	tx.AddRequestHeader("Host", "api.example.com")
	tx.AddRequestHeader("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	tx.AddRequestHeader("Accept", "application/json")
	tx.AddRequestHeader("Accept-Language", "en")
	if it := tx.ProcessRequestHeaders(); it != nil {
		return true
	}
	// Phase 2 runs CRS's blocking evaluation (949110) even without a body.
	if it, err := tx.ProcessRequestBody(); it != nil || err != nil {
		return it != nil
	}
	return tx.IsInterrupted()
}

func measureCoraza(waf coraza.WAF, samples []sample, workers int) column {
	c := column{name: "coraza crs pl1", flagged: make([]bool, len(samples))}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(samples) {
					return
				}
				c.flagged[i] = corazaFlags(waf, samples[i].payload)
			}
		})
	}
	wg.Wait()
	return c
}
