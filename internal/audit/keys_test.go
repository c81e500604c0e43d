package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseHMACKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	tests := []struct {
		name, text string
		ok         bool
	}{
		{"hex", hex.EncodeToString(raw), true},
		{"hex with newline", hex.EncodeToString(raw) + "\n", true},
		{"base64", base64.StdEncoding.EncodeToString(raw), true},
		{"base64url raw", base64.RawURLEncoding.EncodeToString(raw), true},
		{"short hex", hex.EncodeToString(raw[:16]), false},
		{"a password", "correct horse battery staple!!", false},
		{"empty", "  ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseHMACKey([]byte(tt.text))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseHMACKey = %v", err)
			}
			if tt.ok && !bytes.Equal(k, raw) {
				t.Fatalf("key = %x", k)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimSpace(tt.text)) && strings.TrimSpace(tt.text) != "" {
				t.Fatal("the error repeats the key material")
			}
		})
	}
}

func TestLoadHMACKeyAndKeySpec(t *testing.T) {
	dir := t.TempDir()
	key := hex.EncodeToString(testHMACKey)
	file := filepath.Join(dir, "hmac.key")
	os.WriteFile(file, []byte(key+"\n"), 0o600)
	t.Setenv("AUDIT_TEST_KEY", key)

	kid, k, err := LoadHMACKey("AUDIT_TEST_KEY", "", "")
	if err != nil || kid != DeriveKeyID(testHMACKey) || !bytes.Equal(k, testHMACKey) {
		t.Fatalf("from env: %q %x %v", kid, k, err)
	}
	if kid, _, err := LoadHMACKey("AUDIT_UNSET_VAR", file, "ops-2026"); err != nil || kid != "ops-2026" {
		t.Fatalf("env unset, file set: %q %v", kid, err)
	}
	if _, _, err := LoadHMACKey("AUDIT_UNSET_VAR", "", ""); err == nil {
		t.Fatal("unset variable accepted")
	}
	if _, _, err := LoadHMACKey("", "", ""); err == nil {
		t.Fatal("no source accepted")
	}
	if kid, _, err := LoadKeySpec("k1=AUDIT_TEST_KEY", true); err != nil || kid != "k1" {
		t.Fatalf("LoadKeySpec env: %q %v", kid, err)
	}
	if kid, _, err := LoadKeySpec(file, false); err != nil || kid != DeriveKeyID(testHMACKey) {
		t.Fatalf("LoadKeySpec file: %q %v", kid, err)
	}
	if _, _, err := LoadKeySpec("bad id=AUDIT_TEST_KEY", true); err == nil {
		t.Fatal("bad key id accepted")
	}
}

func TestRunKeygenAndLoadKeys(t *testing.T) {
	dir := t.TempDir()
	o := KeygenOptions{
		PrivateKeyPath: filepath.Join(dir, "audit.key"),
		PublicKeyPath:  filepath.Join(dir, "audit.pub"),
		HMACKeyPath:    filepath.Join(dir, "hmac.key"),
	}
	var out bytes.Buffer
	if err := RunKeygen(&out, o); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{o.PrivateKeyPath, o.HMACKeyPath} {
		if info, _ := os.Stat(p); info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", p, info.Mode().Perm())
		}
	}
	priv, err := LoadSigningKey(o.PrivateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(o.PublicKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), SignerID(pub)) || !pub.Equal(priv.Public()) {
		t.Fatalf("keygen output or key pair mismatch:\n%s", out.String())
	}
	kid, hk, err := LoadHMACKey("", o.HMACKeyPath, "")
	if err != nil || !strings.Contains(out.String(), kid) {
		t.Fatalf("hmac key: %v", err)
	}
	// The generated keys work end to end.
	logDir := filepath.Join(dir, "log")
	l := openTest(t, Config{Dir: logDir, HMACKey: hk, SigningKey: priv}, Options{})
	writeOutcomes(t, l, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	requireOK(t, verifyDir(t, logDir, VerifyOptions{HMACKeys: map[string][]byte{kid: hk}, PublicKey: pub}))

	if err := RunKeygen(&out, o); err == nil {
		t.Fatal("keygen overwrote existing keys")
	}
	if _, err := LoadPublicKey(o.PrivateKeyPath); err == nil {
		t.Fatal("a private key file loaded as a public key")
	}
	if _, err := LoadSigningKey(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing file loaded")
	}
	if err := RunKeygen(&out, KeygenOptions{}); err == nil {
		t.Fatal("keygen without paths succeeded")
	}
}
