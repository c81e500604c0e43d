package sign_test

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/sign"
)

// ExampleSignRequest signs a partner's POST with an Ed25519 key. The
// request gets a Content-Digest of its body and a signature covering the
// method, the target URI, the content type and the digest.
func ExampleSignRequest() {
	seed := make([]byte, ed25519.SeedSize) // use a real key: sign.LoadKey("partner.pem", ...)
	key := sign.Key{ID: "partner-1", Algorithm: sign.Ed25519, Private: ed25519.NewKeyFromSeed(seed)}

	req, _ := http.NewRequest(http.MethodPost, "https://api.example.com/orders", strings.NewReader(`{"hello": "world"}`))
	req.Header.Set("Content-Type", "application/json")
	err := sign.SignRequest(req, key, sign.Options{
		Created: time.Unix(1618884473, 0), // default: now
		Nonce:   "bcd3c6b7",               // default: 128 random bits
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("Content-Digest:", req.Header.Get("Content-Digest"))
	fmt.Println("Signature-Input:", req.Header.Get("Signature-Input"))
	// Output:
	// Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:
	// Signature-Input: sig1=("@method" "@target-uri" "content-type" "content-digest");created=1618884473;nonce="bcd3c6b7";keyid="partner-1"
}
