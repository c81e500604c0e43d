// Package ban is Rampart's ban list: a guard that refuses banned clients
// with 403 before any other work, the helpers that ban, unban and list
// (for the admin API, the brute-force guard and the detector), and a sink
// that bans the sources of repeated denials.
//
// Bans are store.Marks in the "ban" namespace, so every replica sharing a
// store (Redis) shares them. A ban key names what is banned: "ip:ADDR" (one
// address), "net:CIDR" (the client's /24 or /64: ban IPv6 clients by
// network, since a host owns a /64) or "sub:SUBJECT" (an authenticated
// subject). A guard checks the kinds it is configured with, in order: the
// one before authentication checks ip and net; a second one after
// authentication ("ban_subject") checks subject.
//
// Every answer of the store, banned or not, is cached for CacheTTL (1s by
// default, bounded in size), so a request costs no store round trip in the
// common case; the price is that a ban made on another replica applies here
// within that TTL. A banned request gets a uniform 403 problem ("banned")
// with Retry-After set to the time left. Its Denial produces one Event per
// key and EventWindow; later refusals are recorded on the Outcome only, so a
// banned client hammering the gateway does not flood the event sinks.
// Store failures admit the request by default (FailOpen), logged and
// counted; FailClosed answers 503 instead.
//
// [OnDenials] bans from the denials of any guard: an Outcome sink that
// counts one guard's enforced denials per client source in the store and,
// at a threshold, bans the source (token guessing, and the gateway's
// bans.on_denials entries such as "10 injection denials in 5m ban for 1h").
//
// Usage:
//
//	guard, err := ban.New(ban.Config{}, ban.Options{Marks: st, OnBanned: func(kind string) { ... }})
//	// first stage of the chain: {Guard: guard, Mode: pipeline.Enforce}
//
//	m, err := ban.Ban(ctx, st, store.Mark{Key: "203.0.113.7", Since: now,
//		Until: now.Add(time.Hour), Reason: "credential stuffing", Source: "admin"})
//	pipeline.AddEvent(r, ban.NewEvent(m)) // when banning from a request
//	guard.Invalidate(m.Key)                // apply at once on this replica
//
//	sink, err := ban.NewOnDenials(ban.OnDenialsConfig{Name: "injection", Guard: "injection",
//		Failures: 10, Window: 5 * time.Minute}, ban.OnDenialsOptions{Counters: st, Marks: st})
//	// add sink to the chain's Outcome sinks
package ban
