// Package ratelimit enforces rate-limit policies (OWASP API4:2023,
// unrestricted resource consumption) with GCRA limits kept in the shared
// store, so replicas sharing Redis share the counts.
//
// A Policy counts requests by one key and holds one or more limits that
// must all admit a request (20/s burst 40 and 10000 per day), and a cost per
// request for expensive routes. Keys:
//
//   - ip: the client address (pipeline.ClientIP); IPv6 clients are counted
//     per /64, since a host can rotate through its whole /64 at will.
//   - identity: the authenticated subject, or the credential id when there
//     is no subject. Requests without an identity skip the policy (the ip
//     policies cover anonymous traffic).
//   - header:NAME: the header's value, always hashed (SHA-256, 128 bits):
//     it may be a credential, and the store never holds one in clear.
//     Requests without the header skip the policy.
//   - claim:NAME: a verified claim; claim:tenant is Identity.Tenant.
//
// Store keys are "rl:<policy>:<kind>:<value>", and the store keeps one state
// per limit of the key (named by the limit's index): one store.AllowAll call
// decides all the limits of a policy, counting the request in every limit or
// in none. Identity and claim values longer than 64 bytes or holding odd
// bytes are hashed.
//
// [New] validates every policy of the gateway once; [Limiter.Guard] builds
// the pipeline.Guard of one route (the global, API and route policies that
// apply to it, under a chain name such as "ratelimit_ip" before
// authentication and "ratelimit_identity" after it). The composition root
// builds one chain per route, so the request path does no routing, and a
// policy shared by several routes counts them together.
//
// A refused request gets 429 problem+json ("rate_limited") with Retry-After
// and the RateLimit-Policy and RateLimit fields of
// draft-ietf-httpapi-ratelimit-headers for the policy that refused. Its
// Denial produces one Event per store key and EventWindow, later refusals
// are on the Outcome only (pipeline.Denial.SuppressEvent), so a flood does
// not become a flood of Events. Options.OnLimited counts every refusal for
// metrics. Store failures admit the request by default (FailOpen), logged
// once per window and counted through Options.OnStoreError; FailClosed
// answers 503.
//
// Policies with Headers HeadersAlways (the default) also put their fields
// on admitted responses, so clients can pace themselves: Check hands them
// on in the request's context and the guard, a pipeline.ResponseObserver,
// adds them to the upstream's response. HeadersOnRefusal keeps a policy's
// quota to its 429 answers.
//
// A Policy with Monitor set is tried on live traffic: its refusals are
// monitored Denials (recorded, the request goes on) and it sends no fields.
// A guard holds monitored or enforced policies, not both, since one Check
// stops at its first refusal; the composition root builds a second guard
// for a route's monitored policies and runs it in a pipeline.Monitor stage.
//
// Usage:
//
//	rl, err := ratelimit.New(ratelimit.Config{Policies: []ratelimit.Policy{{
//		Name: "per-ip", Key: ratelimit.KeySpec{Kind: ratelimit.KindIP},
//		Limits: []ratelimit.Limit{
//			{Limit: store.Limit{Rate: 20, Period: time.Second, Burst: 40}},
//			{Limit: store.Limit{Rate: 10000, Period: 24 * time.Hour, Burst: 10000}},
//		},
//	}}}, ratelimit.Options{Limiter: st, OnLimited: func(policy, kind string) { ... }})
//	guard, err := rl.Guard("ratelimit_ip", "per-ip")
//	// a stage of the route's chain: {Guard: guard, Mode: pipeline.Enforce}
package ratelimit
