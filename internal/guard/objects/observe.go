package objects

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// learnTimeout bounds the store writes of one response.
const learnTimeout = 2 * time.Second

// ObserveResponse learns the ids a successful JSON response on a learn
// route serves to the request's subject. It never changes the response
// (a body it read is put back byte for byte) and never fails it: a store
// failure is logged and reported, and the ids are not learned.
//
// The writes happen before the response goes on, so a client that creates
// an object can use it at once. They run on a context detached from the
// client's: a client that hangs up after a create still owns the object.
func (g *Guard) ObserveResponse(r *http.Request, resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	e := g.rulesFor(pipeline.RouteOf(r))
	if e == nil || len(e.learn) == 0 {
		return nil
	}
	id := pipeline.IdentityOf(r)
	if id == nil || id.Subject == "" {
		return nil // nobody to tie the ids to
	}
	rules := g.learnable(r, e)
	if len(rules) == 0 {
		return nil
	}
	doc, why := g.peekJSON(resp)
	if doc == nil {
		if why != "" {
			g.log.LogAttrs(r.Context(), slog.LevelDebug, "response not learned from", slog.String("guard", g.Name()),
				slog.String("reason", why), slog.String("request_id", pipeline.RequestID(r)))
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), learnTimeout)
	defer cancel()
	budget := g.maxIDs
	for _, l := range rules {
		if budget == 0 {
			break
		}
		n, ok := g.learn(ctx, l, id, doc, &budget)
		if n > 0 && g.onLearned != nil {
			g.onLearned(l.namespace, n)
		}
		if !ok {
			break // the store failed: the other rules' writes would too
		}
	}
	return nil
}

// learnable returns the learn rules that apply to r's response.
//
// A response to a direct object access teaches nothing about that
// object's type: the id is the one just checked. On a route that both
// checks and learns, only requests Check admitted teach (see learnTag).
func (g *Guard) learnable(r *http.Request, e *routeRules) []*learnRule {
	var accessed []string
	if e.tagged {
		tag, _ := r.Context().Value(learnTagKey{}).(*learnTag)
		if tag == nil {
			return nil
		}
		accessed = tag.accessed
	}
	var rules []*learnRule
	method := upperASCII(r.Method)
	for _, l := range e.learn {
		if l.methods != nil && !l.methods[method] {
			continue
		}
		if slices.Contains(accessed, l.namespace) {
			continue
		}
		rules = append(rules, l)
	}
	return rules
}

// learn stores the ids the rule finds in doc and returns how many it
// stored, and false when the store failed; budget bounds the ids of the
// whole response.
func (g *Guard) learn(ctx context.Context, l *learnRule, id *pipeline.Identity, doc []byte, budget *int) (int, bool) {
	now := g.now()
	mark := store.Mark{Reason: l.reason, Source: "objects", Since: now, Until: now.Add(l.ttl)}
	learned := 0
	failed := false
	put := func(objectID string) bool {
		if *budget == 0 || failed {
			return false
		}
		*budget--
		mark.Key = markKey(l.namespace, id, objectID)
		if err := g.marks.PutMark(ctx, Namespace, mark); err != nil {
			// A full or failing store: the rest would fail too. The ids
			// stay unknown, so their accesses are refused (fail closed).
			g.storeError(ctx, "put", fmt.Errorf("learning %s %q for subject %q: %w", l.namespace, clip(objectID), id.Subject, err))
			failed = true
			return false
		}
		learned++
		return true
	}
	l.eachID(doc, put)
	return learned, !failed
}
