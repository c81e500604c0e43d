// Package authn authenticates requests: API keys, JWT bearer tokens
// (JWKS or static keys), mTLS client certificates and HTTP Message
// Signatures (RFC 9421). A successful check records a pipeline.Identity
// with pipeline.SetIdentity; a failed one is a uniform 401 Denial
// ("Authentication required.", with WWW-Authenticate challenges) whose
// Rule ("jwt_expired", "apikey_unknown", "signature_replay", ...) and Cause
// say what went wrong to logs and events only (OWASP API2:2023).
//
// An [Authenticator] holds the credentials every route shares (API key
// records, JWT issuers with their JWKS caches, signature keys, CA pools);
// one [Guard] per route applies that route's [Policy]: Methods is any-of,
// Require is all-of, e.g. {Methods: [api_key, jwt]} or
// {Require: [mtls, signature], SameSubject: true}.
//
//	a, err := authn.New(authn.Config{
//		APIKeys: authn.APIKeyConfig{Keys: []authn.APIKey{{ID: "partner-1", Hashes: []string{hash}}}},
//		JWT: authn.JWTConfig{Issuers: []authn.Issuer{{
//			Issuer: "https://idp.example.com/", Audiences: []string{"orders-api"},
//			Algorithms: []string{"RS256"}, JWKSURL: "https://idp.example.com/.well-known/jwks.json",
//		}}},
//	}, authn.Options{Revocations: st, Nonces: st, Logger: log})
//	if err != nil { ... }
//	defer a.Close() // stops JWKS refreshes
//	guard, err := a.Guard(authn.Policy{Methods: []authn.Method{authn.MethodAPIKey, authn.MethodJWT}})
//
// Security decisions, with the attacks they answer:
//
//   - API keys are "rk_<id>_<secret>" with a 256-bit secret; only the
//     SHA-256 of the key is configured (two per id during rotation) and
//     compared in constant time. [GenerateKey] and [RunKeysGenerate] mint
//     them.
//   - JWT algorithms are pinned per issuer and the key's type must fit the
//     algorithm: "none", HS256 signed with an RSA public key (algorithm
//     confusion) and unknown algorithms are refused. Keys are never taken
//     from token headers (jku, x5u, jwk are ignored). exp is required by
//     default; nbf, iat, iss, aud, a maximum age and required claims are
//     checked after the signature.
//   - JWKS are fetched at start, refreshed in the background and re-fetched
//     on an unknown kid, single-flight and at most once per
//     MinRefreshInterval. A failed fetch keeps the last good keys (logged,
//     Hooks.JWKSFetch); an issuer whose keys were never fetched refuses its
//     tokens.
//   - mTLS: the listener requests a certificate; the route verifies it
//     against its own CA pool (client-auth usage, the client's
//     intermediates), so one listener can serve partners of different CAs.
//   - Signatures must cover @method, @target-uri (or @path and @query) and,
//     for requests with a body, content-digest, which is checked against
//     the body (read with a bound and restored). created must be within
//     MaxAge, expires not past, and the nonce is remembered for the window
//     so a replay is refused.
//   - Revocation by jti or subject reads store marks in the "revoked-jti"
//     and "revoked-sub" namespaces; [Revocations] writes them for the admin
//     API.
package authn
