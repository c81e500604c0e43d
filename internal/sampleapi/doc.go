// Package sampleapi is a deliberately vulnerable JSON API: the target that
// Rampart's demo, end-to-end tests and attack simulator shoot at.
//
// Never expose it to a network. [Start] refuses any address that is not on
// loopback, and the database is an in-memory SQLite that dies with the process.
//
// # Usage
//
//	srv, err := sampleapi.Start(ctx, sampleapi.Config{}, "127.0.0.1:0")
//	if err != nil { ... }
//	defer srv.Close()
//	fmt.Println(srv.URL()) // http://127.0.0.1:41234
//
// or, to mount it yourself (httptest, a gateway test):
//
//	api, err := sampleapi.New(sampleapi.Config{Hardened: true})
//	defer api.Close()
//	ts := httptest.NewServer(api.Handler())
//
// Seeded accounts: alice / alice-password-1 (user), bob / bob-password-2
// (user), admin / admin-password-3 (admin). Items 1–3 and orders 1 and 4
// belong to alice, items 4–6 and order 2 to bob, items 7–8 and order 3 to
// admin. [Spec] returns the OpenAPI 3.1 description of the legitimate
// operations, which the gateway's schema guard uses as its positive model.
//
// # The flaws
//
// Every flaw is a real code path, not a check that recognises attack
// payloads, and each is marked "DELIBERATE FLAW" with its CWE where it lives.
// Config.Hardened switches all of them off:
//
//	OWASP API 2023            endpoint                     vulnerable                          hardened
//	API1 BOLA (CWE-639)       GET/PUT /api/items/{id},     any caller reads/writes any object  owner only, else 404
//	                          GET /api/orders/{id}
//	API2 broken auth          POST /api/login, JWT         no lockout (CWE-307); HS256 key     5 failures lock the account;
//	                                                       "secret123" (CWE-1391)              10 failures per client IP
//	                                                                                           (any accounts) refuse its
//	                                                                                           logins, 1 more per 6 s (429
//	                                                                                           + Retry-After); 32 random bytes
//	API3 property level       PATCH /api/users/me          role, is_admin writable (CWE-915)   name and email only
//	                          GET /api/orders/{id}         card number, CVV, api_secret        last 4 digits, no secrets
//	                                                       (CWE-213)
//	API4 resources            GET /api/report?n=           n up to 2,000,000 hash rounds       n up to 10,000
//	                                                       (CWE-400)
//	API4 no rate limiting     every route                  no limit per client (CWE-770)       100 requests/s per client IP,
//	                                                                                           bursts of 1,000; 429 +
//	                                                                                           Retry-After; RateLimit headers
//	API5 BFLA (CWE-285)       GET /api/admin/users         any authenticated user; hashes      admin role; no hashes
//	                                                       unsalted SHA-256 (CWE-916)          PBKDF2, never returned
//	API8 misconfiguration     every response, errors       Server/X-Powered-By (CWE-200),      no banners; problem+json
//	                                                       stack traces (CWE-209)
//	API7 SSRF (CWE-918)       POST /api/webhooks/test      fetches any URL, loopback and       https only, public addresses
//	                                                       private included; shows the answer  (checked at dial time), no redirects
//	injection (CWE-89)        GET /api/search?q=           SQL built by concatenation          parameterised
//	path traversal (CWE-22)   GET /api/files?name=         name decoded twice and joined       ^[a-z0-9-]+\.txt$, docs/ only
//	                                                       unchecked: ../private/secret.txt
//	XSS (CWE-79)              GET /api/preview?text=       text pasted into text/html          html/template escaping + CSP
//	API9 inventory (CWE-489)  GET /api/debug/vars          undocumented, unauthenticated,      404
//	                                                       dumps the JWT key
//
// The SQL injection is contained, not removed: the search query runs on a
// connection whose SQLite authorizer allows reads only (like a SELECT-only
// database role), so an attacker can dump every table with UNION but cannot
// ATTACH files to the host, write, or drop tables.
//
// The path traversal is contained the same way: documents live in a
// temporary directory created by New and removed by Close (docs/ beside a
// private/secret.txt that holds [SecretFileMarker]), and every
// open goes through an os.Root on that directory, so ../private/secret.txt
// is reachable but no real file of the host is. The SSRF fetch is bounded
// (3 s, 512 bytes shown) and never uses a proxy from the environment.
package sampleapi
