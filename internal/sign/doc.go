// Package sign implements HTTP Message Signatures (RFC 9421) for requests:
// the signature base, the algorithms ed25519, ecdsa-p256-sha256,
// rsa-pss-sha512 and hmac-sha256, Content-Digest (RFC 9530), and the
// subset of Structured Field Values (RFC 8941) these use.
//
// The signer ([SignRequest], and [RunSign] behind `rampart sign`) and the
// verifier in internal/guard/authn share [Base], so the two cannot
// disagree on how a message is canonicalised. No RFC 9421 library is served
// by the module proxy this project builds from, so the protocol is written
// here with the standard library; the cryptography is crypto/*.
//
// Signing a client request:
//
//	key, err := sign.LoadKey("partner.pem", "partner-1", "") // algorithm from the key type
//	if err != nil { ... }
//	req, _ := http.NewRequest("POST", "https://api.example.com/orders", body)
//	req.Header.Set("Content-Type", "application/json")
//	err = sign.SignRequest(req, key, sign.Options{TTL: time.Minute})
//
// Verifying (what the authn guard does, plus its policy checks: required
// components, created window, nonce replay, Content-Digest over the body):
//
//	sigs, err := sign.ParseSignatures(r.Header)
//	base, err := sign.Base(r, &sigs[0].Params)
//	err = publicKey.Verify(base, sigs[0].Value)
package sign
