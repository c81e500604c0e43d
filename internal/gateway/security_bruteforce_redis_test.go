package gateway

import (
	"testing"

	"github.com/rampartsec/rampart/internal/redistest"
)

// The brute-force scenarios of security_bruteforce_test.go on two replicas
// sharing one Redis and one account key, every attacker's requests spread
// across both. The thresholds are only reached if the replicas' counts add
// up: an address's 11 stuffing attempts are split 6/5 between them, and the
// 10 guesses that lock alice's account 5/5.

// TestRedisBruteForceCredentialStuffing: credential stuffing from 50
// addresses through the trusted proxy, spread across two replicas, gets
// every address banned, and every ban is enforced and listed by both.
func TestRedisBruteForceCredentialStuffing(t *testing.T) {
	addr := redistest.Addr(t)
	credentialStuffing(t, sampleLoginGateways(t, 2, redisStore(addr, redistest.Prefix(t, addr), "")))
}

// TestRedisBruteForceDistributedOnOneAccount: a distributed brute force on
// one account, spread across two replicas, locks the account on both after
// the 10th failure in total, and the owner, from her usual address, logs
// in on either replica throughout.
func TestRedisBruteForceDistributedOnOneAccount(t *testing.T) {
	addr := redistest.Addr(t)
	distributedBruteForce(t, sampleLoginGateways(t, 2, redisStore(addr, redistest.Prefix(t, addr), "")))
}
