package authn

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/url"

	"github.com/MicahParks/jwkset"
)

// maxJWKSKeys bounds the keys read from one key set.
const maxJWKSKeys = 8

// publicKey is one public key in the encodings a confused verifier may
// use as an HMAC secret: the PEM text it loaded from a file, with and
// without the final newline, and for RSA the PKCS #1 form.
type publicKey struct {
	kid   string
	forms [][]byte
	label []string // names of the forms, for the finding
}

// errNoKey: the document holds no usable public key.
var errNoKey = errors.New("no RSA, EC or Ed25519 public key")

// keysFromJWKS reads public keys from a JSON Web Key Set. Nothing is
// fetched: x5u URLs are refused rather than followed.
func keysFromJWKS(doc []byte) ([]publicKey, error) {
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, err
	}
	var out []publicKey
	for _, m := range set.Keys {
		if len(out) >= maxJWKSKeys {
			break
		}
		m.D, m.P, m.Q, m.DP, m.DQ, m.QI, m.K = "", "", "", "", "", "", "" // public halves only
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{
			SkipUse: true, SkipKeyOps: true, SkipMetadata: true,
			GetX5U: func(*url.URL) ([]*x509.Certificate, error) { return nil, errors.New("x5u not followed") },
		})
		if err != nil {
			continue
		}
		if k, err := keyForms(m.KID, jwk.Key()); err == nil {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, errNoKey
	}
	return out, nil
}

// keysFromPEM reads a PEM public key or certificate the user gave.
func keysFromPEM(doc []byte) ([]publicKey, error) {
	block, _ := pem.Decode(doc)
	if block == nil {
		return nil, errNoKey
	}
	var key any
	var err error
	switch block.Type {
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	}
	if err != nil {
		return nil, errNoKey
	}
	k, err := keyForms("", key)
	if err != nil {
		return nil, err
	}
	// The file as given is the likeliest secret of all.
	k.forms = append([][]byte{doc}, k.forms...)
	k.label = append([]string{"the PEM as given"}, k.label...)
	return []publicKey{k}, nil
}

func keyForms(kid string, key any) (publicKey, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return publicKey{}, errNoKey
	}
	pkix := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	k := publicKey{kid: kid,
		forms: [][]byte{pkix, pkix[:len(pkix)-1]},
		label: []string{"PKIX PEM", "PKIX PEM without the final newline"}}
	if rk, ok := key.(*rsa.PublicKey); ok {
		k.forms = append(k.forms, pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rk)}))
		k.label = append(k.label, "PKCS #1 PEM")
	}
	return k, nil
}
