// Package objects stops BOLA/IDOR (OWASP API1:2023, CWE-639) where a
// static ownership rule cannot: the object id in the path is not the
// user's id (GET /api/items/{id}, PUT /api/items/{id}, GET /api/orders/{id}
// with sequential ids), so nothing in the request says whose object it is.
// The guard learns which ids the API itself served to each subject, from
// its responses, and admits direct access only to those.
//
// # How it works
//
// A [Rule] names an object type and the route and PathTemplate of its
// direct accesses ("/api/items/{id}"), and [LearnRule]s name the responses
// that serve ids of that type: the 201 of a create ({"id": 7}, IDPointer
// "/id"), a list ({"items": [{"id": 7}, ...]}, ListPointer "/items",
// ItemIDPointer "/id"), a search, an order naming its item.
//
//   - ObserveResponse (the guard is a pipeline.ResponseObserver) reads each
//     2xx JSON response of a learn route, bounded (Config.MaxBodyBytes,
//     gzip undone, other encodings skipped), puts the body back byte for
//     byte, and stores one mark per (type, subject, id) in store.Marks,
//     namespace "obj", key "<type>:<subject>:<id>", for Rule.TTL. Subjects
//     and ids that are long or not plain text are stored as a SHA-256
//     prefix, so keys stay bounded and unambiguous.
//   - Check refuses a request whose path matches a rule's template, with a
//     method the rule covers (by default every method but POST, including
//     methods asked for through X-HTTP-Method-Override and "_method"),
//     unless the mark of its id for the request's subject exists. The
//     refusal is the same 403 the authz guard answers ("forbidden",
//     [PublicMessage]), Rule [RuleNotServed], Category API1:2023, Severity
//     high; the id and the subject are in the Cause, for the log.
//   - Identities holding one of a rule's OverrideScopes or OverrideRoles
//     (administrators) pass. A request without an Identity passes: the
//     guard cannot tell whose it is, and authentication decides whether it
//     may go on at all (put authn, and authz's rules, before this guard).
//     An Identity without a subject is refused ([RuleNoSubject]).
//
// Paths are read the ways common upstreams read them (%2F kept or split,
// "\" as "/", "//" merged, dot segments resolved, ";params", case-insensitive
// literals), and every id found must pass: see pathTemplate.objectIDs. A
// response to a direct access never teaches its own type; on a route that
// both checks and learns, a response teaches only if Check admitted its
// request, so an access refused in monitor mode (or by a flagging rule)
// does not legitimise itself, even when the proxy rewrote the path.
//
// # Wiring
//
// The gateway builds one chain per route and observers see only the
// responses of their chain: put the one Guard in the chain of every route
// named by a Rule or a LearnRule, after authn. The store is the shared one
// (Redis for several replicas: a mark learned on one must be seen by all).
//
//	g, err := objects.New(objects.Config{Rules: []objects.Rule{{
//		Route:        pipeline.Route{API: "shop", Route: "items"},
//		PathTemplate: "/api/items/{id}",
//		Param:        "id",
//		Namespace:    "item",
//		Learn: []objects.LearnRule{
//			{Route: pipeline.Route{API: "shop", Route: "items"}, Methods: []string{"POST"}, IDPointer: "/id"},
//			{Route: pipeline.Route{API: "shop", Route: "items"}, Methods: []string{"GET"},
//				ListPointer: "/items", ItemIDPointer: "/id"},
//		},
//		OverrideRoles: []string{"admin"},
//	}}}, objects.Options{Marks: st, Logger: log})
//	stages := []pipeline.Stage{..., {Guard: authn}, {Guard: authz}, {Guard: g, Mode: pipeline.Monitor}}
//
// # Limits
//
//   - Only what the API served through the gateway is known. An object
//     shared with a user by other means (a link in an e-mail, another API,
//     a page rendered elsewhere, a webhook) is refused until some response
//     through the gateway serves it to that user: configure a LearnRule
//     for every route that reveals ids, including searches and objects
//     that embed other objects' ids. Objects that existed before the guard
//     was deployed are unknown until listed again.
//   - Deploy in pipeline.Monitor mode first and watch the "object_not_served"
//     Events for false positives (a missing learn rule, a client that
//     bookmarks ids, ids spelt differently in paths and bodies: "007" is
//     not 7, and ids are compared exactly, case included). Rule.Unknown
//     "flag" does the same for one rule.
//   - A learned id stays admitted for Rule.TTL after it was last served:
//     revoking a share upstream is not seen here before then (the
//     upstream's own check still applies). Too short a TTL refuses objects
//     users still hold; lists refresh it.
//   - Cost: one mark per (subject, object served), a few hundred bytes in
//     memory or Redis, written on every serve (a list of 100 items is 100
//     writes, a Redis round trip each). The memory store holds at most
//     MaxMarks per namespace and then refuses new marks (learning fails
//     closed: logged, reported to Options.OnStoreError). Size it for
//     subjects × objects each sees within the TTL. Config.MaxIDsPerResponse
//     caps the writes of one response; page long lists.
//   - Check costs one store read per object access. With
//     Config.OnStoreError "closed" (default) a failing store refuses object
//     accesses with 503; "open" lets them pass.
//   - Bodies over Config.MaxBodyBytes, compressed other than with gzip, or
//     not JSON (application/json, application/*+json) teach nothing; a
//     learn route must not stream (the body is read before it is sent on).
//   - Ids in query strings or request bodies are not checked, only the
//     PathTemplate parameter.
package objects
