// Package audit makes Rapport's audit log tamper-evident.
//
// Each organisation's entries form a hash chain: an entry's hash covers its
// canonical encoding and the previous entry's hash, so editing or deleting
// any entry breaks every later link. The chain heads are periodically
// signed with an Ed25519 key kept outside the database (a file or the
// environment), so that someone able to rewrite the whole table, and so to
// recompute every hash, still cannot forge the signed checkpoints.
//
// The package is pure: it encodes, hashes, signs and verifies values; the
// stores keep the entries and call it.
package audit
