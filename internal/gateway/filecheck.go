package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The checks here read the files a configuration names the way the parts
// that use them will, so that a failure is blamed on the field naming the
// file (the server package only knows "CertFile / KeyFile"). Serve runs them
// before building those parts, validate runs them instead of starting:
// both report the same field. Messages name files, never their contents.

// checkKeyPair reads a certificate chain and its private key: a file that
// cannot be read or holds no certificate blames the certificate's field; a
// key that does not parse or does not match blames the key's.
func checkKeyPair(certField, certFile, keyField, keyFile string) error {
	certPEM, err := readConfigFile(certFile)
	if err != nil {
		return atField(certField, err)
	}
	keyPEM, err := readConfigFile(keyFile)
	if err != nil {
		return atField(keyField, err)
	}
	if err := parseLeaf(certFile, certPEM); err != nil {
		return atField(certField, err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return atField(keyField, fmt.Errorf("%q: %s", keyFile, strings.TrimPrefix(err.Error(), "tls: ")))
	}
	return nil
}

// parseLeaf checks that data holds PEM certificates and that the first, the
// one served, parses.
func parseLeaf(file string, data []byte) error {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return fmt.Errorf("%q holds no PEM certificate", file)
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("%q: parsing the certificate: %w", file, err)
		}
		return nil
	}
}

// loadCABundle reads a PEM bundle of CA certificates, as the listener,
// the upstream transport and the Redis client load theirs.
func loadCABundle(field, file string) (*x509.CertPool, error) {
	data, err := readConfigFile(file)
	if err != nil {
		return nil, atField(field, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, atField(field, fmt.Errorf("%q holds no PEM certificate", file))
	}
	return pool, nil
}

// readConfigFile reads a file a configuration names, with an error that
// says which file and why (a directory, a permission) in the words of
// config's own "cannot read" check.
func readConfigFile(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("cannot read %q: %w", file, pe.Err)
		}
		return nil, fmt.Errorf("cannot read %q: %w", file, err)
	}
	return data, nil
}

// isLogFile reports whether a log target (logging.access_log, events.file)
// names a file rather than a stream or "off".
func isLogFile(target string) bool {
	switch target {
	case "off", "stdout", "-", "stderr":
		return false
	}
	return target != ""
}

// probeAppend checks that a log file can be opened for appending, as serve
// opens it, without writing to it. A file that does not exist yet is
// created the way serve would create it, then removed again.
func probeAppend(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, logFileMode)
		if err == nil {
			defer os.Remove(path)
		}
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// probeDir checks that dir is a directory this process can create files
// in, or that it can be created (audit.Open makes it with its parents): the
// nearest existing ancestor must be a writable directory. What it creates
// to find out, it removes.
func probeDir(dir string) error {
	p := filepath.Clean(dir)
	for {
		info, err := os.Stat(p)
		if err == nil {
			if !info.IsDir() {
				return fmt.Errorf("%s is not a directory", p)
			}
			break
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, fs.ErrNotExist) || parent == p {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("cannot create %s: %w", dir, err)
		}
		p = parent
	}
	f, err := os.CreateTemp(p, ".rampart-validate-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create files in %s: %w", p, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// openError says which file could not be opened and why, the same way
// whichever package opened it (os says "open PATH: ...", the event package
// adds its own words).
func openError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot open %q: %w", pe.Path, pe.Err)
	}
	return err
}
