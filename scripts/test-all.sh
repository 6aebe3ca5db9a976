#!/usr/bin/env bash
# `npm run test:all`, the README's full test command and what CI runs: provide the services
# (scripts/test-services.sh), build, then every test tier (vitest projects: unit, integration, e2e,
# services, conformance, fuzz, faults, bench), then the Node 22 and 24 checks.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/test-services.sh
npm run build
npx vitest run "$@"
echo "[test-all] every tier passed in $((SECONDS - start)) s"
