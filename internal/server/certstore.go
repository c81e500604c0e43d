package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// certStore holds the certificate served on HTTPS. The TLS stack reads it
// through GetCertificate on every handshake, so swapping the pointer rotates
// the certificate for new handshakes while established connections keep
// theirs. A failed reload leaves the current certificate in place.
type certStore struct {
	certFile, keyFile string // empty for DevTLS: nothing to reload

	reloadMu sync.Mutex // serialises reloads so the newest file wins
	current  atomic.Pointer[tls.Certificate]
}

// newFileCertStore loads certFile/keyFile once; a failure is a config error.
func newFileCertStore(certFile, keyFile string) (*certStore, error) {
	s := &certStore{certFile: certFile, keyFile: keyFile}
	cert, err := loadKeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	s.current.Store(cert)
	return s, nil
}

// newStaticCertStore serves a fixed in-memory certificate (DevTLS).
func newStaticCertStore(cert *tls.Certificate) *certStore {
	s := &certStore{}
	s.current.Store(cert)
	return s
}

// getCertificate implements tls.Config.GetCertificate.
func (s *certStore) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.current.Load(), nil
}

// leaf returns the parsed leaf of the certificate being served.
func (s *certStore) leaf() *x509.Certificate {
	return s.current.Load().Leaf
}

// reload re-reads the files. On error the previous certificate stays.
// It reports whether there was anything to reload.
func (s *certStore) reload() (bool, error) {
	if s.certFile == "" {
		return false, nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cert, err := loadKeyPair(s.certFile, s.keyFile)
	if err != nil {
		return true, err
	}
	s.current.Store(cert)
	return true, nil
}

// loadKeyPair reads and checks a PEM certificate chain and its key. The key
// is checked against the leaf by tls.LoadX509KeyPair, which also parses Leaf.
// Errors name the files, never their contents (the key is a secret).
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("CertFile %q / KeyFile %q: loading key pair: %w", certFile, keyFile, err)
	}
	if cert.Leaf == nil {
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("CertFile %q: parsing leaf certificate: %w", certFile, err)
		}
		cert.Leaf = leaf
	}
	return &cert, nil
}

// expiryProblem describes why leaf should not be served at now, or "".
func expiryProblem(leaf *x509.Certificate, now time.Time) string {
	switch {
	case now.After(leaf.NotAfter):
		return "certificate has expired"
	case now.Before(leaf.NotBefore):
		return "certificate is not valid yet"
	default:
		return ""
	}
}
