#!/usr/bin/env bash
# Installs the local AT Protocol network used by internal/bluesky's
# end-to-end test, and checks what it needs. .ci/run may call it before
# `go test` so that the install (1.5-2.5 minutes) is not inside a test's
# timeout; the Go harness (internal/bluesky/pdstest) runs the same `npm ci`
# itself when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")"

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
	echo "pds setup: node 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
	exit 1
fi
if [ ! -f node_modules/@atproto/dev-env/package.json ]; then
	npm ci --no-audit --no-fund
fi
# The AppView and Ozone need PostgreSQL and Redis (defaults as network.js uses them).
pg_isready -q -d "${DB_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}" ||
	{ echo "pds setup: PostgreSQL is not accepting connections" >&2; exit 1; }
host=${REDIS_HOST:-127.0.0.1:6379}
redis-cli -h "${host%:*}" -p "${host##*:}" ping >/dev/null ||
	{ echo "pds setup: Redis is not answering at $host" >&2; exit 1; }
echo "pds setup: ok"
