#!/usr/bin/env bash
# `npm run test:all`, the README's full test command and what CI runs: provide the services
# (scripts/test-services.sh), build, then every test tier (vitest projects: unit, integration, e2e,
# scenarios, services, conformance, fuzz, faults, bench), then the Node 22 and 24 checks.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/test-services.sh
npm run build
# The runtime's own tests are type-checked too (vitest strips types without checking them).
npm run typecheck -w @mcpforge/runtime
npx vitest run "$@"
# Node 22 and 24: the unit tier and a scaffold → build → call on each (docs/node-versions.md).
# MCPFORGE_NODE_VERSIONS="" skips them; "24" runs one.
versions=${MCPFORGE_NODE_VERSIONS-22 24}
# shellcheck disable=SC2086 # one word per version
if [[ -n "$versions" ]]; then bash scripts/test-node-versions.sh $versions; fi
echo "[test-all] every tier passed in $((SECONDS - start)) s"
