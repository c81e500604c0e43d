// Package bruteforce defends credential endpoints (login, token, password
// reset, OTP verify) against password guessing, credential stuffing and key
// or token guessing (OWASP API2:2023 broken authentication; CWE-307,
// improper restriction of excessive authentication attempts).
//
// A [Guard] is a pipeline.Guard and a pipeline.ResponseObserver. On a route
// listed in [Config.Endpoints], Check reads the account name (from basic
// auth, a JSON member or pointer, or a form field; the body is read up to
// 64 KiB and put back unchanged), denies a locked-out attempt and delays an
// attempt on an account under attack. Once the upstream has answered,
// ObserveResponse judges the answer: a failure status (401, 403 by default)
// or a configured body marker is a failed attempt, any other 2xx a success.
// Every other route passes at the cost of one map lookup.
//
// # What is counted
//
// A failed attempt is counted, in fixed windows in the shared store, per
//
//   - account: the username, trimmed and lower-cased, as an HMAC-SHA256
//     under [Config.AccountKey] (never in clear, never logged);
//   - source: the client address (pipeline.ClientIP, so forwarded
//     addresses are believed only from trusted proxies); for IPv6 its /64,
//     since a host picks addresses within its /64 at will (RFC 8981), and
//     counting single IPv6 addresses would count nothing;
//   - network: the address's /24 (IPv4) or /64 (IPv6), configurable;
//   - API-key prefix: the first bytes of the API key, hashed, read where
//     the authentication guard reads it (APIKeyPolicy.Header, default
//     X-API-Key, then "Authorization: ApiKey", then APIKeyPolicy.QueryParam);
//
// and the account is added to the distinct accounts failed from the address
// and from its network. Non-existent accounts count like real ones, so
// neither a delay nor a lockout reveals whether an account exists.
//
// A username that is missing, not a string, empty or longer than
// [Config.MaxUsernameBytes] is no account: the attempt still counts per
// address, network and key. A body that names the account twice with
// different values ({"username": "decoy", "USERNAME": "victim"}, or a form
// field repeated) is refused with 400: parsers disagree on which one wins,
// and a guard that read the decoy while the upstream logged in the victim
// would count the guesses against nobody (CWE-436). JSON member names match
// case-insensitively, as encoding/json matches struct fields.
//
// # What happens at the thresholds (defaults)
//
//   - Account, 5 failures in 15m: each further attempt on the account waits
//     a progressive delay, 250ms doubling to at most 4s. At most 64 requests
//     wait at once, gateway-wide; beyond that an attempt that should wait is
//     refused at once, so a flood never holds a goroutine per request. A
//     wait ends when the client goes away.
//   - Account, 10 failures in 15m: the account is locked for 15m, for every
//     source without a recent success on it (see below).
//   - Source 20, network 100, API-key prefix 100 failures in 15m: that
//     source, network or key is locked out of the credential endpoints for
//     15m, whatever the account. Other routes are not affected (bans are).
//   - 10 distinct accounts failed from one source in 10m (50 from one IPv4
//     /24): credential stuffing; the source ("ip:<addr>", or "net:<prefix>"
//     of an IPv6 /64) or the /24 ("net:<prefix>") is banned for 1h in the
//     store's "ban" namespace, which the ban guard (internal/guard/ban)
//     enforces on every route. Network bans always use the /24 and /64 the
//     ban guard checks. Many users behind one NAT address fail on distinct
//     accounts too: raise Stuffing.Accounts, or exempt the address in the
//     ban guard, for a large office or carrier-grade NAT.
//
// Every lockout answers with the same response: 429, code
// "too_many_attempts", "Too many attempts; retry later." and a Retry-After
// of the time left. The answer does not say what is locked.
//
// # Keeping the owner in: the anti-lockout policy
//
// A lockout by account alone hands the attacker a denial-of-service: fail
// ten times on any account and its owner cannot log in. So an account
// lockout, and the account's progressive delay, apply only to sources
// without a recent success on that account:
//
//   - A successful login (a 2xx that is not a failure) resets the account's
//     failure counter and marks its source (the IPv4 address, or the IPv6
//     /64) as trusted for that account for [Config.TrustFor] (30 days by
//     default), in the "trusted" mark namespace under the hashed account
//     and the source. Each success renews it. (With the memory store, size
//     MaxMarks above the distinct account-and-source pairs that log in
//     within TrustFor: a full namespace refuses new trust, logged.)
//   - While the account is locked, attempts from trusted sources go through
//     to the upstream as usual, undelayed; attempts from any other source
//     get the 429 without reaching the upstream. So a distributed brute
//     force on one account from any number of addresses is stopped after
//     ten guesses per lockout period, and the owner, logging in from the
//     address he used before, is not locked out.
//   - The owner's success does not lift the lockout: lifting it would reopen
//     the account to the attackers, and the owner does not need it lifted.
//   - Trust exempts from the account's lockout and delay only. The address,
//     network and key lockouts and the bans bind trusted sources too, and a
//     trusted source's failures count like any other, so trust is no
//     licence to guess.
//   - A failed or unreachable store read counts as "not trusted".
//
// The price: an owner who has not logged in from his current address
// within TrustFor (a new device, a new network) waits out the lockout like
// everyone else. Set TrustFor negative to disable trust.
//
// # Key and token guessing
//
// Many authentication denials from one source (invalid API keys, forged
// tokens) ban it too: 20 in 10m by default. That ban is not this guard's:
// the gateway builds it from the ban package's denial counter (ban.OnDenials,
// guards do not import each other), with KindTokenGuessing as its kind and
// "bruteforce" as its source, ignoring the denials that do not suggest
// guessing (a missing credential, an expired token).
//
// # Events and hooks
//
// Each lockout and ban writes one mark and raises one Event ("lockout" or
// "ban", category API2:2023, with the key, count, window and end in
// Evidence; accounts appear only hashed), deduplicated per key for the
// mark's lifetime within a process. Refusals are deduplicated too: the
// first refusal of a rule and key ("lockout_ip" of one address) in
// Config.EventWindow produces a "denial" Event, the others are on their
// Outcomes only (pipeline.Denial.SuppressEvent), so a locked-out flood is
// not a flood of Events. Options.OnLockout, OnBan, OnDelay and
// OnStoreError feed metrics.
//
// # Failure modes
//
// When the store fails during Check the attempt goes on unchecked
// (OnStoreError, logged once per operation and event window) unless
// [Config.FailClosed] asks for a 503. Counting after a response never
// changes the response, and runs on a context detached from the client's,
// so hanging up early does not dodge the count.
//
// # Monitor mode
//
// An endpoint with Mode pipeline.Monitor is tried on live traffic: its
// attempts are read and counted as usual, and every objection is a
// monitored Denial (the request goes on): a lockout, an ambiguous
// username, a fail-closed store error, and the progressive delay, which is
// not served (rule "delay"). Its lockouts go to NamespaceMonitorLockout,
// read by monitored endpoints only, and its stuffing bans are monitored
// "ban" Events with no mark: a monitored endpoint binds nobody, on any
// route. OnLockout, OnBan and OnDelay are not called for it.
//
// When instead the chain runs the guard's stage in monitor mode for an
// enforcing endpoint, a request the guard objected to is still proxied and
// counted per address, network and key; its account is counted only when
// it came from basic auth (the body went upstream unread).
//
// Usage:
//
//	mem := store.NewMemory(...)
//	bf, err := bruteforce.New(bruteforce.Config{
//		Endpoints: map[pipeline.Route]bruteforce.Endpoint{
//			{API: "shop", Route: "login"}: {},
//		},
//	}, bruteforce.Options{Counters: mem, Distinct: mem, Marks: mem,
//		OnLockout: metrics.Lockout, OnBan: metrics.Ban})
//	if err != nil { ... }
//	stages := []pipeline.Stage{ban, ipLimit, {Guard: bf}, authn, ...}
//	// the proxy calls pipeline.ObserveResponse from ModifyResponse
package bruteforce
