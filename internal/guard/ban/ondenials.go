package ban

import (
	"context"
	"log/slog"
	"net/netip"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/internal/dedup"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// denialStoreTimeout bounds the store calls made after a response, which
// run on a context of their own: a client hanging up must not dodge the
// count.
const denialStoreTimeout = 2 * time.Second

// counterPrefix starts every OnDenials counter key, followed by the
// config's Name and the source's ban key, so that two sinks, or this
// package and another in a shared store, never share a counter.
const counterPrefix = "ban:denials:"

// OnDenials bans the sources of repeated denials: it is a
// pipeline.OutcomeSink that counts the enforced denials of one guard per
// client source in the store (shared by every replica on Redis) and, when
// Failures are reached within Window, writes the ban mark the ban guard
// enforces on every route, raises one "ban" Event and calls OnBan. Token
// guessing (many invalid credentials from one source) is one instance,
// counting the authentication guard's denials; bans.on_denials entries are
// others.
//
// It reads Outcomes rather than denial Events because several guards (ban,
// rate limits, lockouts, objects) fold a flood of refusals into one Event
// per key and minute: every refusal is on an Outcome. Monitored denials
// never count, so that a rule on trial cannot get clients banned. A counted
// denial costs one store write, on the request's goroutine after the
// response; a ban one more. Within a process, a source is banned once per
// ban length, however many denials follow; replicas may each ban it once.
type OnDenials struct {
	s denialSettings

	counters     Counter
	marks        MarkWriter
	events       []pipeline.EventSink
	onBan        func(string)
	onStoreError func(string)
	log          *slog.Logger
	now          func() time.Time
	bans         *dedup.Crossings
}

var _ pipeline.OutcomeSink = (*OnDenials)(nil)

// NewOnDenials validates cfg and builds the sink.
func NewOnDenials(cfg OnDenialsConfig, opts OnDenialsOptions) (*OnDenials, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if opts.Counters == nil || opts.Marks == nil {
		return nil, errNoDenialStore
	}
	o := &OnDenials{
		s:            s,
		counters:     opts.Counters,
		marks:        opts.Marks,
		events:       opts.Events,
		onBan:        opts.OnBan,
		onStoreError: opts.OnStoreError,
		log:          opts.Logger,
		now:          opts.Now,
		bans:         dedup.NewCrossings(),
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	return o, nil
}

// Name returns the configured name.
func (o *OnDenials) Name() string { return o.s.name }

// WriteOutcome counts the request's enforced denial against its source
// when the watched guard made it with a counted rule, and bans the source
// at the threshold.
func (o *OnDenials) WriteOutcome(out *pipeline.Outcome) {
	if out.Verdict != pipeline.VerdictDenied || len(out.Denials) == 0 || !out.Client.IsValid() {
		return
	}
	// The chain stops at the enforced denial: it is the last one; those
	// before it were monitored.
	d := &out.Denials[len(out.Denials)-1]
	if d.Guard != o.s.guard || d.Monitor {
		return
	}
	if o.s.rules != nil && !o.s.rules[d.Rule] || o.s.ignore[d.Rule] {
		return
	}
	key := o.sourceKey(out.Client)
	ctx, cancel := context.WithTimeout(context.Background(), denialStoreTimeout)
	defer cancel()
	n, err := o.counters.Incr(ctx, counterPrefix+o.s.name+":"+key, o.s.window, 1)
	if err != nil {
		o.storeFailed(ctx, "incr_counter", err)
		return
	}
	if n < o.s.failures {
		return
	}
	now := o.now()
	until := now.Add(o.s.banFor)
	if !o.bans.First(key, now, until) {
		return
	}
	reason := o.s.name + ": " + strconv.FormatInt(n, 10) + " " + o.s.guard + " denials within " + o.s.window.String()
	m, err := Ban(ctx, o.marks, store.Mark{Key: key, Reason: reason, Source: o.s.source, Since: now, Until: until})
	if err != nil {
		o.bans.Forget(key)
		o.storeFailed(ctx, "put_ban", err)
		return
	}
	ev := o.banEvent(m, out, d, n)
	for _, sink := range o.events {
		sink.WriteEvent(&ev)
	}
	if o.onBan != nil {
		o.onBan(o.s.name)
	}
}

// Forget makes this process ban key again at the next crossing, even
// before the ban it wrote would have ended: the admin API calls it when an
// operator lifts a ban, so a source that goes on attacking is banned anew
// instead of running free until the old ban's end.
func (o *OnDenials) Forget(key string) { o.bans.Forget(key) }

// sourceKey is the ban key counted and banned for a client: with ScopeIP
// an IPv4 address or an IPv6 /64, with ScopeNet the /24 or /64.
func (o *OnDenials) sourceKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is4() && !o.s.net {
		return IPKey(a)
	}
	return NetKey(a)
}

// banEvent describes the ban m, set by the request out whose denial d was
// the n-th.
func (o *OnDenials) banEvent(m store.Mark, out *pipeline.Outcome, d *pipeline.Denial, n int64) pipeline.Event {
	e := NewEvent(m)
	e.RequestID, e.Client, e.Route, e.Method, e.Path = out.RequestID, out.Client, out.Route, out.Method, out.Path
	if out.Identity != nil {
		e.Subject = out.Identity.Subject
	}
	e.Rule = o.s.name
	switch {
	case o.s.category != "":
		e.Category = o.s.category
	case d.Category != "":
		e.Category = d.Category
	default:
		e.Category = DefaultDenialCategory
	}
	until := m.Until.UTC().Format(time.RFC3339)
	e.Message = m.Reason + "; " + m.Key + " banned until " + until
	e.Evidence["guard"] = o.s.guard
	e.Evidence["failures"] = strconv.FormatInt(n, 10)
	e.Evidence["window"] = o.s.window.String()
	return e
}

func (o *OnDenials) storeFailed(ctx context.Context, op string, err error) {
	o.log.LogAttrs(ctx, slog.LevelWarn, "ban on denials: store failure", slog.String("name", o.s.name),
		slog.String("op", op), slog.Any("error", err))
	if o.onStoreError != nil {
		o.onStoreError(op)
	}
}
