package core

import (
	"slices"
	"sort"
)

// ledgerRow is a coverage row and when it was recorded.
type ledgerRow struct {
	Coverage
	seq int // Scan.sent when recorded
}

func (r *ledgerRow) dependsOn(profile string) bool { return slices.Contains(r.Profiles, profile) }

// Cover records what happened to one endpoint × check pair; a later call
// for the same pair replaces the earlier one. The row depends on every
// profile the check has sent requests as so far: if one of them later fails
// its canary, a tested row recorded since that profile's last good canary
// turns invalid. Use CoverAs to name the profiles exactly.
func (s *Scan) Cover(endpoint, check string, status CoverageStatus, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ps []string
	for p := range s.usedBy[check] {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	s.coverLocked(endpoint, check, status, reason, ps)
}

// CoverAs is Cover with the profiles the result depends on named
// explicitly (a BOLA verdict depends on both the owner and the intruder;
// an anonymous probe on none: pass no profiles).
func (s *Scan) CoverAs(endpoint, check string, status CoverageStatus, reason string, profiles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := slices.Clone(profiles)
	sort.Strings(ps)
	s.coverLocked(endpoint, check, status, reason, slices.Compact(ps))
}

func (s *Scan) coverLocked(endpoint, check string, status CoverageStatus, reason string, profiles []string) {
	if status == Tested {
		// A result recorded after a profile it depends on broke is no
		// result: turn it invalid at once.
		for _, name := range profiles {
			if p := s.profiles[name]; p != nil && p.down {
				status, reason = Invalid, invalidReason(name, p.detail)
				break
			}
		}
	}
	k := [2]string{endpoint, check}
	if _, ok := s.ledger[k]; !ok {
		s.order = append(s.order, k)
	}
	s.ledger[k] = &ledgerRow{
		Coverage: Coverage{Endpoint: endpoint, Check: check, Status: status, Reason: reason, Profiles: profiles},
		seq:      s.sent,
	}
}

// Ledger returns the coverage rows in the order they were first recorded.
func (s *Scan) Ledger() []Coverage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Coverage, 0, len(s.order))
	for _, k := range s.order {
		c := s.ledger[k].Coverage
		c.Profiles = slices.Clone(c.Profiles)
		out = append(out, c)
	}
	return out
}
