// Package recon holds the simulator's reconnaissance checks, the first
// stage of the attack chain: what an attacker learns before sending a
// single malicious request.
//
//   - recon.fingerprint reads banners (Server, X-Powered-By …) and provokes
//     error pages (a missing path, a malformed JSON body, a malformed
//     parameter) to see whether they name the framework or spill a stack
//     trace or a database error.
//   - recon.exposed_files asks for files and endpoints that should never be
//     public (/.env, /.git/config, backups, Spring actuators, Go expvar and
//     pprof, server-status, phpinfo, API descriptions) and reports one only
//     when its content proves it, after learning what "not found" looks
//     like on the target (soft-404 calibration, probe.Calibrator).
//   - recon.graphql sends an introspection query to the usual GraphQL paths.
//
// What recon learns is shared through Scan values: "recon.exposed" (paths
// reported, map[string]bool), "recon.secrets" (secret values found, for the
// JWT secret cracker, []string) and "recon.spec_url" (an API description it
// found and loaded into the scan's operations, string).
package recon
