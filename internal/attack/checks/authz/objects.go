package authz

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// maxObjectsPerOwner bounds the objects tried per operation and owner.
const maxObjectsPerOwner = 2

// resource is one kind of object the API serves by id: the operation that
// reads one (GET /api/items/{id}), the ones that write it, and the
// collection operations that list and create them.
type resource struct {
	read   core.Operation
	param  string           // the id parameter, the read path's last segment
	writes []core.Operation // PUT and PATCH on the same path
	list   *core.Operation  // GET on the collection
	create *core.Operation  // POST on the collection, with a JSON body
}

// resources finds every operation that reads one object by an id in its
// last path segment, with its siblings.
func resources(ops []core.Operation) []resource {
	var out []resource
	for _, op := range ops {
		if op.Method != http.MethodGet {
			continue
		}
		param := lastPathParam(op.Path)
		if param == "" {
			continue
		}
		r := resource{read: op, param: param}
		coll := op.Path[:strings.LastIndexByte(op.Path, '/')]
		for i := range ops {
			o := ops[i]
			switch {
			case o.Path == op.Path && (o.Method == http.MethodPut || o.Method == http.MethodPatch):
				r.writes = append(r.writes, o)
			case o.Path == coll && o.Method == http.MethodGet:
				r.list = &ops[i]
			case o.Path == coll && o.Method == http.MethodPost && o.Body != nil:
				r.create = &ops[i]
			}
		}
		out = append(out, r)
	}
	return out
}

// object is one object an owner holds.
type object struct {
	id      string
	path    string // the concrete read path
	created bool   // by this scan: --safe allows writing it
	how     string // "created by POST /api/items", "listed by GET /api/items"
	proof   core.Exchange
}

// owned finds up to maxObjectsPerOwner objects of owner that other cannot
// list: one the scan creates (when the collection takes POST), then ones
// in owner's listing. An object in other's listing too is shared (public
// posts, a team's orders), and reading it proves nothing: it is dropped,
// the created one included.
func owned(ctx context.Context, s *core.Scan, check string, r resource, owner, other string) ([]object, error) {
	var out []object
	if r.create != nil {
		o, err := createObject(ctx, s, check, r, owner)
		if err != nil {
			return out, err
		}
		if o != nil {
			out = append(out, *o)
		}
	}
	if r.list == nil {
		return out, nil
	}
	listPath := probe.ConcretePath(*r.list)
	theirs, err := send(ctx, s, check, http.MethodGet, listPath, other, nil, false)
	if err != nil {
		return out, err
	}
	shared := map[string]bool{}
	if probe.Is2xx(theirs.Status) {
		for _, id := range listedIDs(theirs.Body, r) {
			shared[id] = true
		}
	}
	out = slices.DeleteFunc(out, func(o object) bool { return shared[o.id] })
	if len(out) >= maxObjectsPerOwner {
		return out, nil
	}
	mine, err := send(ctx, s, check, http.MethodGet, listPath, owner, nil, false)
	if err != nil || !probe.Is2xx(mine.Status) {
		return out, err
	}
	for _, id := range listedIDs(mine.Body, r) {
		if len(out) >= maxObjectsPerOwner {
			break
		}
		if shared[id] || slices.ContainsFunc(out, func(o object) bool { return o.id == id }) {
			continue
		}
		out = append(out, object{id: id, path: fillPath(r.read, r.param, id),
			how: "listed by " + r.list.Key() + " for " + owner + " and not for " + other, proof: mine.Exchange})
	}
	return out, nil
}

// createObject creates an object as owner with the create operation's
// example body, its strings made unique so that the object is recognisable.
func createObject(ctx context.Context, s *core.Scan, check string, r resource, owner string) (*object, error) {
	body := map[string]any{}
	if r.create.Body.Example != nil {
		for k, v := range r.create.Body.Example {
			body[k] = v
		}
	}
	tag := "rampart-authz-" + probe.RandomHex(4)
	for k, v := range body {
		if _, ok := v.(string); ok && !strings.Contains(strings.ToLower(k), "mail") && !strings.Contains(strings.ToLower(k), "url") {
			body[k] = tag
		}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, nil
	}
	resp, err := send(ctx, s, check, http.MethodPost, probe.ConcretePath(*r.create), owner, raw, false)
	if err != nil || !probe.Is2xx(resp.Status) {
		return nil, err
	}
	id := ""
	if m, ok := jsonObject(resp.Body); ok {
		id = idOf(m, r)
	}
	if id == "" {
		id = locationID(resp.Header)
	}
	if id == "" {
		return nil, nil
	}
	p := fillPath(r.read, r.param, id)
	s.TrackCreated(pathOnly(p))
	return &object{id: id, path: p, created: true, how: "created by " + r.create.Key() + " as " + owner, proof: resp.Exchange}, nil
}

// pathOnly drops a query string.
func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

// maxListed bounds the ids read from one listing.
const maxListed = 200

// listedIDs reads the ids of a listing: a top-level array of objects, or
// the array under the key named like the collection ("items" for
// /api/items), else the first array of objects in the answer.
func listedIDs(body []byte, r resource) []string {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var arr []any
	switch t := v.(type) {
	case []any:
		arr = t
	case map[string]any:
		coll := r.read.Path[:strings.LastIndexByte(r.read.Path, '/')]
		name := coll[strings.LastIndexByte(coll, '/')+1:]
		if a, ok := t[name].([]any); ok {
			arr = a
		} else {
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if a, ok := t[k].([]any); ok && len(a) > 0 {
					if _, isObj := a[0].(map[string]any); isObj {
						arr = a
						break
					}
				}
			}
		}
	}
	var out []string
	for _, e := range arr {
		if len(out) >= maxListed {
			break
		}
		if m, ok := e.(map[string]any); ok {
			if id := idOf(m, r); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}

// idOf finds an object's id: the field named like the path parameter,
// else id, uuid, or <resource>_id.
func idOf(m map[string]any, r resource) string {
	coll := r.read.Path[:strings.LastIndexByte(r.read.Path, '/')]
	singular := strings.TrimSuffix(coll[strings.LastIndexByte(coll, '/')+1:], "s")
	for _, k := range []string{r.param, "id", "uuid", singular + "_id", singular + "Id"} {
		if id := scalarString(m[k]); id != "" && len(id) <= 128 {
			return id
		}
	}
	return ""
}

var uuidShape = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// absentID returns an id shaped like id that no object has: a number far
// above it, a fresh random UUID, or a random string.
func absentID(id string) string {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= 0 && n < 1<<50 {
		return strconv.FormatInt(n+987_654_321, 10)
	}
	if uuidShape.MatchString(id) {
		h := probe.RandomHex(16)
		return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
	}
	return "rampart-absent-" + probe.RandomHex(6)
}
