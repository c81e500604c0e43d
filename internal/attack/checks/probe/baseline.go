package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// CalibrationRequests is how many random paths a Calibrator requests per
// directory: a plain name and a dotfile name, because servers often treat
// dotfiles apart (nginx denies them with 403) and recon probes many.
const CalibrationRequests = 2

// similarEnough is the word-set similarity above which two same-status,
// same-length-bucket bodies are one page with a varying detail (a rotating
// tip, a clock) rather than two pages.
const similarEnough = 0.8

// Sample is what one random path answered.
type Sample struct {
	Path        string
	Status      int
	Fingerprint string
	Bucket      int
	MediaType   string
	Location    string // normalised; set for redirects
	normalised  string
}

// Baseline is what the target answers, in one directory, for paths that
// cannot exist.
type Baseline struct {
	Dir       string
	Samples   []Sample
	Exchanges []core.Exchange // the calibration requests, for evidence
}

// Calibrator learns baselines lazily, one per directory, up to a bound: a
// catch-all under /api/ often differs from the one at the root.
type Calibrator struct {
	scan    *core.Scan
	check   string
	maxDirs int

	mu   sync.Mutex
	dirs map[string]*Baseline
}

// NewCalibrator makes a calibrator that sends its requests as check and
// calibrates the root plus at most maxDirs other directories; paths in
// further directories use the nearest calibrated ancestor. It sends at most
// (maxDirs+1) × CalibrationRequests requests.
func NewCalibrator(s *core.Scan, check string, maxDirs int) *Calibrator {
	return &Calibrator{scan: s, check: check, maxDirs: max(maxDirs, 0), dirs: map[string]*Baseline{}}
}

// Dir is the directory part of a URL path: "/api/v1/users" → "/api/v1",
// "/.env" → "/".
func Dir(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	d := path.Dir("/" + strings.TrimLeft(p, "/"))
	if d == "." {
		return "/"
	}
	return d
}

// For returns the baseline for the directory of p, calibrating it first
// when the bound allows, else the nearest calibrated ancestor's. The root
// does not count against the bound: it is every path's last ancestor.
func (c *Calibrator) For(ctx context.Context, p string) (*Baseline, error) {
	dir := c.pick(Dir(p))
	c.mu.Lock()
	b, ok := c.dirs[dir]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := Calibrate(ctx, c.scan, c.check, dir)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.dirs[dir]; ok {
		return prev, nil // calibrated concurrently; keep the first
	}
	c.dirs[dir] = b
	return b, nil
}

// pick returns the directory whose baseline serves dir: dir itself when it
// is calibrated or the bound allows one more, else its nearest calibrated
// ancestor, else the root.
func (c *Calibrator) pick(dir string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.dirs[dir]; ok || dir == "/" {
		return dir
	}
	nonRoot := len(c.dirs)
	if _, ok := c.dirs["/"]; ok {
		nonRoot--
	}
	if nonRoot < c.maxDirs {
		return dir
	}
	for d := Dir(dir); d != "/"; d = Dir(d) {
		if _, ok := c.dirs[d]; ok {
			return d
		}
	}
	return "/"
}

// NotFound reports whether resp, the answer for p, looks like the target's
// "nothing here" for p's directory.
func (c *Calibrator) NotFound(ctx context.Context, p string, resp *core.Response) (bool, error) {
	b, err := c.For(ctx, p)
	if err != nil {
		return false, err
	}
	return b.NotFound(resp.Status, resp.Header, resp.Body, p), nil
}

// Calibrate requests CalibrationRequests random paths in dir anonymously.
func Calibrate(ctx context.Context, s *core.Scan, check, dir string) (*Baseline, error) {
	b := &Baseline{Dir: dir}
	base := strings.TrimRight(dir, "/") + "/"
	for _, name := range []string{"rampart-" + RandomHex(8), ".rampart-" + RandomHex(8)} {
		p := base + name
		resp, err := s.Do(ctx, core.Request{Method: http.MethodGet, Path: p, Check: check})
		if err != nil {
			return nil, fmt.Errorf("calibrating not-found answers in %s: %w", dir, err)
		}
		b.Exchanges = append(b.Exchanges, resp.Exchange)
		b.Samples = append(b.Samples, sampleOf(p, resp.Status, resp.Header, resp.Body))
	}
	return b, nil
}

func sampleOf(p string, status int, h http.Header, body []byte) Sample {
	n := Normalise(body, p)
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	sum := Fingerprint(body, p)
	loc := ""
	if status >= 300 && status < 400 {
		loc = Normalise([]byte(h.Get("Location")), p)
	}
	if len(n) > 8192 {
		n = n[:8192]
	}
	return Sample{Path: p, Status: status, Fingerprint: sum, Bucket: LengthBucket(len(n)), MediaType: mt, Location: loc, normalised: n}
}

// NotFound reports whether an answer for p is the baseline's "nothing
// here": 404 and 410 always are; otherwise the status must equal a
// sample's and either the redirect target, the body fingerprint, or the
// length bucket together with most of the words must match.
func (b *Baseline) NotFound(status int, h http.Header, body []byte, p string) bool {
	if status == http.StatusNotFound || status == http.StatusGone {
		return true
	}
	got := sampleOf(p, status, h, body)
	for _, s := range b.Samples {
		if s.Status != status {
			continue
		}
		if status >= 300 && status < 400 {
			if s.Location == got.Location {
				return true
			}
			continue
		}
		if s.Fingerprint == got.Fingerprint {
			return true
		}
		if s.Bucket == got.Bucket && s.MediaType == got.MediaType && similarity(s.normalised, got.normalised) >= similarEnough {
			return true
		}
	}
	return false
}

// Wildcard reports whether the target answers 2xx for paths that cannot
// exist: every content check must then rely on content, not status.
func (b *Baseline) Wildcard() bool {
	for _, s := range b.Samples {
		if s.Status >= 200 && s.Status < 300 {
			return true
		}
	}
	return false
}

// Describe says in one line what "not found" looks like, for coverage notes.
func (b *Baseline) Describe() string {
	parts := make([]string, 0, len(b.Samples))
	for _, s := range b.Samples {
		parts = append(parts, fmt.Sprintf("%s → %d", s.Path, s.Status))
	}
	return strings.Join(parts, ", ")
}

// RandomHex returns 2n random hex digits.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
