// Package pdstest runs a real local AT Protocol network — PLC, a PDS and the
// Bluesky AppView from npm @atproto/dev-env — for end-to-end tests, and gives
// tests the few account operations they need (create an account, make an app
// password, read records back).
//
// The network is the Node script .ci/pds/network.js at the module root; Start
// installs its pinned packages with `npm ci` when they are missing, starts it,
// waits until it prints its URLs, and stops it when the test ends. All of it
// listens on 127.0.0.1 only. It needs node (20 or newer), PostgreSQL and Redis
// on the machine, as CI has. When the network cannot start, the test is
// skipped with the reason, or fails when the environment has CI=true.
//
// It must not be imported by production code: it exists for tests only.
package pdstest
