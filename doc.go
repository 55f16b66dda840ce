// Package rapport holds Rapport's domain: organisations, users and roles,
// patients with their identifiers, contact points and consent history, the
// audit trail, and the contracts that storage adapters implement.
//
// It imports nothing of Rapport's own and does no I/O. Engines (segment, phi,
// triage) live in their own packages; adapters (internal/sqlite,
// internal/postgres, internal/httpapi…) implement or consume the contracts
// declared here.
package rapport
