package exposure

import "github.com/rampartsec/rampart/internal/attack/core"

// Checks returns the exposure stage's checks, in run order. The first
// three share one crawl of the GET operations.
func Checks() []core.Check {
	return []core.Check{SensitiveDataCheck{}, VerboseErrorsCheck{}, SecurityHeadersCheck{}, CORSCheck{}}
}

// reconExposedKey is the Scan value (map[string]bool of paths) where recon
// lists the files and debug endpoints it already reported; their secrets
// are in that finding and are not reported twice.
const reconExposedKey = "recon.exposed"

func reconExposed(s *core.Scan) map[string]bool {
	m, _ := s.Get(reconExposedKey).(map[string]bool)
	return m
}
