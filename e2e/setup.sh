#!/usr/bin/env bash
# Installs what the dashboard's browser test needs: Debian's chromium and the
# pinned playwright-core (package-lock.json) into e2e/node_modules.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null 2>&1; then
	apt-get install -y chromium || (apt-get update && apt-get install -y chromium)
fi
npm ci --no-audit --no-fund
