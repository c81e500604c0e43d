// Package authz holds the authorization stage of the attack simulator: the
// checks that act as one user on another user's objects (BOLA, OWASP
// API1:2023), as a regular user on administrators' functions (BFLA,
// API5:2023), and write properties the client should never set (mass
// assignment, API3:2023).
//
// Every verdict compares answers field by field (see [Flatten], [Volatile]
// and [Match]): a second user's answer counts as the first user's object
// only when it carries the same values as the owner's own answer, ignoring
// the fields that changed between two of the owner's own requests
// (timestamps, nonces), and only when a control (a non-existent id, an
// anonymous request) was refused. Writes happen only on objects the scan
// created unless --safe is off, and every write the check makes on someone's
// data is reverted and recorded in the evidence.
package authz
