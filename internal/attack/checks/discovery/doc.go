// Package discovery maps the target's endpoints beyond what the spec says:
// the third stage of the attack chain, where an attacker looks for shadow
// and zombie APIs (OWASP API9:2023, improper inventory management).
//
// discovery.routes asks for ~170 common API routes (an embedded wordlist:
// admin, debug, internal, versioned, export and backup routes first) after
// learning what "not found" looks like on the target (probe.Calibrator), and
// asks every known path with OPTIONS which methods it routes (the Allow
// header of the answer, or of a 405). Live endpoints join the scan's
// operations with Source "discovered", so later stages test them too.
//
// When the scan has a spec, every live endpoint or method the spec does not
// describe is reported as spec drift, one finding per endpoint, with the
// answer that proves it live. CWE: 489 (active debug code) for debug, test
// and internal routes, whose danger is what they do; 1059 (insufficient
// technical documentation) for the rest, whose danger is that nobody
// reviews, protects or retires what is not documented.
//
// Methods are learnt only from Allow headers: the check never sends PUT,
// PATCH, DELETE or POST to find out whether they work.
package discovery
