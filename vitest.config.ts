import { defineConfig } from 'vitest/config';

// Test tiers (vitest projects). `npm test` runs `unit` and `integration`: the quick loop, under
// about two minutes on two cores. `npm run test:all` (scripts/test-all.sh: services first) runs
// every project. One file belongs to exactly one project; test/unit/tiers.test.ts checks that.
export const TIERS = {
  /** Pure functions and in-process servers; no child processes beyond the CLI. */
  unit: ['runtime/src/**/*.test.ts', 'generators/**/*.test.ts', 'cli/**/*.test.ts', 'test/unit/**/*.test.ts'],
  /** Running generated servers and in-process pieces: the quick loop's integration half. */
  integration: [
    'test/security/auth-websocket.test.ts',
    'test/security/auth-roles.test.ts',
    'test/security/cancel.test.ts',
    'test/e2e/tasks-stdio.test.ts',
    'test/security/protocol.test.ts',
    'test/security/sandbox.test.ts',
    'test/tls/**/*.test.ts',
    'test/openapi/mapping.test.ts',
    'test/production/deploy-files.test.ts',
    'test/import/upstream-url.test.ts',
    'test/import/upstream-drift.test.ts',
    'test/security/oauth-proxy.test.ts',
    'test/client-profiles/serve.test.ts',
    'test/client-profiles/matrix.test.ts',
    'test/client-profiles/budgets.test.ts',
    'test/client-profiles/toolsets.test.ts',
    'test/client-profiles/pagination.test.ts',
    'test/start/**/*.test.ts',
  ],
  /**
   * Integration tests of ten seconds or more each (child processes, key and token servers, imports):
   * in the full run, kept out of the quick loop so `npm test` stays near two minutes.
   */
  slow: [
    'runtime/src/server/run.test.ts',
    'test/security/auth.test.ts',
    'test/security/auth-jwt.test.ts',
    'test/e2e/client-config.test.ts',
    'test/import/bodies.test.ts',
    'test/import/format-corpus.test.ts',
    'test/import/swagger2.test.ts',
    'test/e2e/declarative-resources.test.ts',
    'test/client-profiles/github-discovery.test.ts',
  ],
  /** Series of real CLI runs on copies of the examples, each step type-checked or built. */
  scenarios: [
    'test/scenario/add-cli.test.ts',
    'test/scenario/regeneration.test.ts',
    'test/scenario/build-validators.test.ts',
    'test/security/auth-cli.test.ts',
    'test/e2e/bad-input.test.ts',
    'test/production/new-production.test.ts',
    'test/production/upgrade.test.ts',
    'test/tls/deploy-files.test.ts',
    'test/tls/dev-cert.test.ts',
    'test/unit/merge/sync.test.ts',
    'test/import/degrade.test.ts',
    'test/import/names.test.ts',
    'test/import/proto-keys.test.ts',
    'test/import/unbuildable.test.ts',
    'test/scenario/declarative-resources.test.ts',
  ],
  /** Scaffold → npm install → build → call, the Inspector, dev mode, large imports, golden type-checks. */
  e2e: [
    'test/e2e/new-project.test.ts',
    'test/e2e/packaging.test.ts',
    'test/e2e/dev.test.ts',
    'test/e2e/websocket.test.ts',
    'test/e2e/tracing-project.test.ts',
    'test/golden/**/*.test.ts',
    'test/scenario/contract-tests.test.ts',
    'test/unit/codegen/tsc.test.ts',
    'test/openapi/github.test.ts',
    'test/openapi/generation-scale.test.ts',
    'test/openapi/upstream-e2e.test.ts',
    'test/import/large-import.test.ts',
    'test/import/corpus.test.ts',
    'test/import/corpus-e2e.test.ts',
  ],
  /** Real nginx, PostgreSQL and Redis (provided by scripts/test-services.sh): production layout, SQL, audit. */
  services: [
    'test/production/groups.test.ts',
    'test/production/docker-context.test.ts',
    'test/production/upgrade-serve.test.ts',
    'test/tls/nginx.test.ts',
    'test/security/sql.test.ts',
    'test/security/limits-audit.test.ts',
    'test/security/oauth-proxy-postgres.test.ts',
    'test/production/db-roles.test.ts',
    'test/production/monitoring.test.ts',
    'test/production/tasks.test.ts',
    'test/security/declarative-resources-services.test.ts',
    'test/production/registry.test.ts',
    'test/production/gateway.test.ts',
  ],
  /** The official MCP conformance suite against the examples. */
  conformance: ['test/conformance/**/*.test.ts'],
  /** Property-based tests: fuzzed protocol input and random regeneration sequences. */
  fuzz: ['test/security/fuzz.test.ts', 'test/property/**/*.test.ts', 'test/import/hostile-input.fuzz.test.ts'],
  /** kill -9 a replica, restart PostgreSQL, stop Redis, under load. */
  faults: ['test/production/faults.test.ts'],
  /** `npm run bench -- --quick`: every benchmark produces numbers. */
  bench: ['test/bench/**/*.test.ts'],
} as const;

/** Files a tier's glob would match that belong to a more specific tier. */
function excludedFrom(tier: keyof typeof TIERS): string[] {
  const more = Object.entries(TIERS).filter(([name]) => name !== tier).flatMap(([, globs]) => globs.filter((g) => !g.includes('*')));
  return more;
}

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**', 'examples/**'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: e2e tests spawn installs, builds and servers; keep parallelism modest.
    maxWorkers: 2,
    // `mcpforge new` in tests takes mcpforge from vendor/ without asking the registry (a network
    // call per project, and an answer that would change once the packages are published); the
    // packaging test covers the lookup itself.
    env: { MCPFORGE_RUNTIME_SOURCE: 'vendor' },
    projects: Object.entries(TIERS).map(([name, include]) => ({
      extends: true,
      test: { name, include: [...include], exclude: ['**/node_modules/**', '**/dist/**', 'examples/**', ...excludedFrom(name as keyof typeof TIERS)] },
    })),
  },
});
