package sampleapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestWeakJWTSecret plays the offline cracker: it checks a captured token
// against a small wordlist, then forges an admin token with the key found.
func TestWeakJWTSecret(t *testing.T) {
	wordlist := []string{"password", "123456", "changeme", "secret", "secret123", "jwt-secret"}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			captured := ta.bob()

			var cracked string
			for _, guess := range wordlist {
				_, err := jwt.Parse(captured, func(*jwt.Token) (any, error) { return []byte(guess), nil },
					jwt.WithValidMethods([]string{"HS256"}))
				if err == nil {
					cracked = guess
					break
				}
			}
			if m.hardened {
				if cracked != "" {
					t.Fatalf("hardened key cracked: %q", cracked)
				}
				cracked = WeakJWTSecret // try forging anyway
			} else if cracked != WeakJWTSecret {
				t.Fatalf("cracked %q, want %q", cracked, WeakJWTSecret)
			}

			forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
				"sub": "admin", "role": "admin", "exp": time.Now().Add(time.Hour).Unix(),
			}).SignedString([]byte(cracked))
			if err != nil {
				t.Fatal(err)
			}
			r := ta.do("GET", "/api/users/me", forged, nil)
			if m.hardened {
				wantStatus(t, r, http.StatusUnauthorized)
				return
			}
			wantStatus(t, r, http.StatusOK)
			if got := r.json(t)["username"]; got != "admin" {
				t.Errorf("forged token authenticated as %v, want admin", got)
			}
		})
	}
}

func TestTokenRejections(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			key := []byte(ta.api.cfg.JWTSecret)
			sign := func(method jwt.SigningMethod, k any, claims jwt.MapClaims) string {
				s, err := jwt.NewWithClaims(method, claims).SignedString(k)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			future := time.Now().Add(time.Hour).Unix()
			tests := []struct {
				name, header string
			}{
				{"no header", ""},
				{"basic scheme", "Basic YWxpY2U6eA=="},
				{"garbage", "Bearer not.a.jwt"},
				{"alg none", "Bearer " + sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "admin", "exp": future})},
				{"HS512", "Bearer " + sign(jwt.SigningMethodHS512, key, jwt.MapClaims{"sub": "admin", "exp": future})},
				{"no exp", "Bearer " + sign(jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "admin"})},
				{"unknown user", "Bearer " + sign(jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "mallory", "exp": future})},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					req, _ := http.NewRequest("GET", ta.srv.URL+"/api/users/me", nil)
					if tt.header != "" {
						req.Header.Set("Authorization", tt.header)
					}
					resp, err := ta.srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("status = %d, want 401", resp.StatusCode)
					}
					if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", resp.Header.Get("WWW-Authenticate"))
					}
				})
			}
		})
	}
}

func TestTokenExpires(t *testing.T) {
	clock := newFakeClock()
	ta := newTestAPI(t, Config{Now: clock.Now})
	tok := ta.alice()
	wantStatus(t, ta.do("GET", "/api/users/me", tok, nil), http.StatusOK)
	clock.Advance(tokenTTL + time.Minute)
	wantStatus(t, ta.do("GET", "/api/users/me", tok, nil), http.StatusUnauthorized)
}

func TestLoginFailures(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			tests := []struct {
				name string
				body any
				want int
			}{
				{"wrong password", map[string]string{"username": "alice", "password": "nope"}, http.StatusUnauthorized},
				{"unknown user", map[string]string{"username": "mallory", "password": "x"}, http.StatusUnauthorized},
				{"not json", "username=alice", http.StatusBadRequest},
				{"trailing data", `{"username":"alice","password":"alice-password-1"} {}`, http.StatusBadRequest},
				{"wrong types", `{"username":1,"password":true}`, http.StatusBadRequest},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := ta.do("POST", "/api/login", "", tt.body)
					wantStatus(t, r, tt.want)
					if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("Content-Type = %q, want application/problem+json", ct)
					}
					if p := r.json(t); p["status"] != float64(tt.want) {
						t.Errorf("problem status = %v, want %d", p["status"], tt.want)
					}
				})
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
		secret  string // expected key, "" = do not check
	}{
		{"vulnerable default", Config{}, false, WeakJWTSecret},
		{"vulnerable custom", Config{JWTSecret: "x"}, false, "x"},
		{"hardened default", Config{Hardened: true}, false, ""},
		{"hardened short", Config{Hardened: true, JWTSecret: "secret123"}, true, ""},
		{"hardened long", Config{Hardened: true, JWTSecret: strings.Repeat("k", 32)}, false, strings.Repeat("k", 32)},
		{"negative rate", Config{Hardened: true, RequestRate: -1}, true, ""},
		{"negative burst", Config{RequestBurst: -1}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, err := New(tt.cfg)
			if tt.wantErr {
				if err == nil {
					api.Close()
					t.Fatal("New succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer api.Close()
			got := string(api.secret)
			if tt.secret != "" && got != tt.secret {
				t.Errorf("secret = %q, want %q", got, tt.secret)
			}
			if tt.cfg.Hardened && len(got) < minHardenedSecretLen {
				t.Errorf("hardened secret is %d bytes, want >= %d", len(got), minHardenedSecretLen)
			}
		})
	}
}

func TestPasswordHashes(t *testing.T) {
	for _, hardened := range []bool{false, true} {
		h, err := hashPassword(hardened, "pw")
		if err != nil {
			t.Fatal(err)
		}
		if !verifyPassword(h, "pw") || verifyPassword(h, "pW") {
			t.Errorf("hardened=%v: hash %q verifies wrongly", hardened, h)
		}
		if hardened != strings.HasPrefix(h, pbkdf2Prefix) {
			t.Errorf("hardened=%v: hash %q has the wrong scheme", hardened, h)
		}
	}
	if verifyPassword(dummyHash, "") || !strings.HasPrefix(dummyHash, pbkdf2Prefix) {
		t.Error("dummyHash must be a well-formed pbkdf2 hash that matches nothing")
	}
}
