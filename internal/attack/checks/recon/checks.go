package recon

import "github.com/rampartsec/rampart/internal/attack/core"

// Checks returns the recon stage's checks, in run order.
func Checks() []core.Check {
	return []core.Check{FingerprintCheck{}, ExposedFilesCheck{}, GraphQLCheck{}}
}

// Scan value keys recon sets.
const (
	ExposedKey = "recon.exposed" // map[string]bool: paths reported as exposed
	SecretsKey = "recon.secrets" // []string: secret values found in exposed content
	SpecURLKey = "recon.spec_url"
)

// addSecrets appends values to the shared secret list.
func addSecrets(s *core.Scan, values ...string) {
	if len(values) == 0 {
		return
	}
	prev, _ := s.Get(SecretsKey).([]string)
	s.Set(SecretsKey, append(append([]string(nil), prev...), values...))
}

func markExposed(s *core.Scan, path string) {
	prev, _ := s.Get(ExposedKey).(map[string]bool)
	m := make(map[string]bool, len(prev)+1)
	for k, v := range prev {
		m[k] = v
	}
	m[path] = true
	s.Set(ExposedKey, m)
}
