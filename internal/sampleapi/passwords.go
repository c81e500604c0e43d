package sampleapi

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// pbkdf2Prefix starts a hardened password hash:
// pbkdf2-sha256$ITERATIONS$SALT$KEY, salt and key in unpadded base64.
const pbkdf2Prefix = "pbkdf2-sha256$"

// pbkdf2Iterations is low for a password hash (OWASP asks 600,000 for
// PBKDF2-SHA256) so that logins in tests and the demo stay quick; it is a
// sample, the point is salt plus a slow function rather than one SHA-256.
const pbkdf2Iterations = 10_000

// hashPassword hashes pw for storage.
func hashPassword(hardened bool, pw string) (string, error) {
	if !hardened {
		// DELIBERATE FLAW (CWE-916, password hash with insufficient
		// computational effort; CWE-759, no salt): one unsalted SHA-256,
		// which a wordlist cracks in microseconds once the hashes leak
		// through GET /api/admin/users.
		sum := sha256.Sum256([]byte(pw))
		return hex.EncodeToString(sum[:]), nil
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("drawing a salt: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("deriving a password key: %w", err)
	}
	enc := base64.RawStdEncoding
	return pbkdf2Prefix + strconv.Itoa(pbkdf2Iterations) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key), nil
}

// verifyPassword reports whether pw matches the stored hash, in constant time
// with respect to the hash contents. A malformed stored hash never matches.
func verifyPassword(stored, pw string) bool {
	rest, ok := strings.CutPrefix(stored, pbkdf2Prefix)
	if !ok {
		want, err := hex.DecodeString(stored)
		if err != nil || len(want) != sha256.Size {
			return false
		}
		got := sha256.Sum256([]byte(pw))
		return subtle.ConstantTimeCompare(got[:], want) == 1
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return false
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil || iter < 1 || iter > 10*pbkdf2Iterations {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[1])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[2])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, iter, len(want))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}
