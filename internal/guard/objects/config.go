package objects

import (
	"context"
	"log/slog"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// Namespace is the store.Marks namespace of learned objects. A mark's key
// is "<type>:<subject>:<id>" (see the package doc).
const Namespace = "obj"

// Defaults of Config and Rule fields left zero.
const (
	// DefaultTTL is how long a served id stays learned (Rule.TTL).
	DefaultTTL = 24 * time.Hour
	// DefaultMaxBodyBytes is the most of a response read to learn from
	// (Config.MaxBodyBytes): 1 MiB.
	DefaultMaxBodyBytes int64 = 1 << 20
	// DefaultMaxIDsPerResponse bounds the ids learned from one response
	// (Config.MaxIDsPerResponse).
	DefaultMaxIDsPerResponse = 1000
)

// What a Rule does with an id that was never served to the subject
// (Rule.Unknown).
const (
	// UnknownDeny refuses the request with the uniform 403 (the default).
	UnknownDeny = "deny"
	// UnknownFlag lets the request pass and records a monitored "denial"
	// Event, the same Event the guard in pipeline.Monitor mode produces, but
	// for this rule only.
	UnknownFlag = "flag"
)

// FailMode says what Check does when the store fails (Config.OnStoreError).
type FailMode string

const (
	// FailClosed refuses object accesses with 503 while the store fails (the
	// default): this guard is a BOLA defence, and waving requests through
	// would reopen the hole it closes.
	FailClosed FailMode = "closed"
	// FailOpen lets them pass. Failures are logged (at most once a minute)
	// and reported to Options.OnStoreError either way.
	FailOpen FailMode = "open"
)

// Config configures a [Guard]. Zero fields take the documented defaults.
type Config struct {
	// Rules are the object-access rules. At least one is required.
	Rules []Rule

	// MaxBodyBytes is the most of a response body, in bytes (decompressed,
	// for gzip), read to learn ids from; a longer body teaches nothing and
	// passes through untouched. 0 means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64

	// MaxIDsPerResponse bounds the ids learned from one response; the rest
	// are ignored (so a huge list costs a bounded number of store writes).
	// 0 means DefaultMaxIDsPerResponse (1000).
	MaxIDsPerResponse int

	// OnStoreError is FailClosed ("closed", default) or FailOpen ("open").
	OnStoreError FailMode
}

// Rule protects direct access to one type of object by id, e.g.
// GET/PUT/DELETE /api/items/{id}: the id must have been served to the
// request's subject by one of the Learn routes first.
type Rule struct {
	// Route is the route whose requests are checked, as matched by the
	// gateway (pipeline.RouteOf). Route.API is required; an empty
	// Route.Route checks every route of the API (the template still has to
	// match). Required.
	Route pipeline.Route

	// PathTemplate is the path of the object, with its parameters, as the
	// client sends it: "/api/items/{id}". Literal segments match
	// case-insensitively; the template matches a prefix of the path, so
	// "/api/items/7/attachments" accesses item 7 too. Required.
	PathTemplate string

	// Param is the PathTemplate parameter holding the object id ("id").
	// Required.
	Param string

	// Methods are the methods that access one object (case-insensitive).
	// Empty means every method but POST (GET, HEAD, PUT, PATCH, DELETE, ...).
	// A request is checked when its method, or a method it asks for through
	// X-HTTP-Method-Override (and its variants) or "_method", is listed.
	// A list with GET covers HEAD too.
	Methods []string

	// Learn lists the responses that serve ids of this type to a subject.
	// Configure one for every route that reveals ids: lists, creates,
	// searches, related objects. At least one is required.
	Learn []LearnRule

	// Namespace names the object type in store keys ("item"). Rules with
	// the same Namespace share what they learn. Default: Param.
	// 1 to 32 characters of [A-Za-z0-9_.-].
	Namespace string

	// TTL is how long an id stays learned after it was last served.
	// Default DefaultTTL (24h).
	TTL time.Duration

	// Unknown is UnknownDeny ("deny", default) or UnknownFlag ("flag").
	Unknown string

	// OverrideScopes and OverrideRoles exempt an identity holding any of
	// them from the check (administrators, support staff).
	OverrideScopes []string
	OverrideRoles  []string
}

// LearnRule says where a response serves ids of its Rule's type.
// At least one of IDPointer and ItemIDPointer is required.
type LearnRule struct {
	// Route is the route of the responses, as matched by the gateway. It
	// may be the Rule's own route (POST /api/items and GET /api/items are
	// usually on the route of /api/items/{id}). Required.
	Route pipeline.Route

	// Methods of the requests whose responses teach (case-insensitive).
	// Empty means every method.
	Methods []string

	// IDPointer is an RFC 6901 JSON pointer to the id in an object
	// response, such as the 201 of a create: "/id", "/data/id".
	IDPointer string

	// ListPointer points at an array of objects in a list response: "" for
	// a top-level array, "/items" for {"items": [...]}. Used with
	// ItemIDPointer.
	ListPointer string

	// ItemIDPointer points at the id inside each element of the list:
	// "/id". Setting it turns list learning on.
	ItemIDPointer string
}

// Marks is the part of store.Marks the guard uses.
type Marks interface {
	PutMark(ctx context.Context, ns string, m store.Mark) error
	GetMark(ctx context.Context, ns, key string) (store.Mark, bool, error)
}

// Options carries the guard's collaborators.
type Options struct {
	// Marks stores the learned ids. Required.
	Marks Marks

	// Logger receives store failures (warn, at most once a minute) and
	// responses that could not be learned from (debug). nil discards.
	Logger *slog.Logger

	// Now is the clock of mark lifetimes; nil means time.Now.
	Now func() time.Time

	// OnDenied, when set, is called for every refused or flagged access
	// (monitored ones included) with the rule's namespace and the Denial
	// rule, for metrics. It runs on the request path: keep it fast.
	OnDenied func(namespace, rule string)

	// OnLearned, when set, is called after a response taught n ids of a
	// namespace.
	OnLearned func(namespace string, n int)

	// OnStoreError, when set, is called for every store failure, with the
	// operation: "get" (checking) or "put" (learning).
	OnStoreError func(op string)
}
