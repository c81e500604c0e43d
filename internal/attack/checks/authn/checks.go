package authn

import "github.com/rampartsec/rampart/internal/attack/core"

// Checks returns the authentication stage's checks, in run order.
func Checks() []core.Check {
	return []core.Check{
		UnauthenticatedCheck{},
		JWTNoneCheck{},
		JWTSignatureCheck{},
		JWTConfusionCheck{},
		JWTWeakSecretCheck{},
		JWTExpiredCheck{},
		APIKeyInURLCheck{},
	}
}
