/**
 * `auth.roles` in the spec: roles must grant scopes some entry names (error with the JSON pointer),
 * a role granting nothing is a warning, certificates may only be given declared roles, and the
 * generated project carries the roles (manifest) and their names (`type Role` in registry.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, SpecError, SpecErrors } from '../../../generators/shared/spec/index.js';
import { generateProject } from '../../../generators/shared/codegen/index.js';

const BASE = `name: roles-demo
tools:
  read_note:
    description: Reads a note.
    input: { type: object }
    scopes: [notes:read]
  write_note:
    description: Writes a note.
    input: { type: object }
    scopes: [notes:write]
`;

async function load(auth: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpforge-roles-spec-'));
  const file = path.join(dir, 'mcpforge.yaml');
  writeFileSync(file, `${BASE}${auth}`);
  return loadSpec(file);
}

async function errorsOf(auth: string): Promise<SpecError[]> {
  try {
    await load(auth);
  } catch (error) {
    if (error instanceof SpecErrors) return error.errors;
    if (error instanceof SpecError) return [error];
    throw error;
  }
  throw new Error('loaded without errors');
}

describe('auth.roles in the spec', () => {
  it('a role granting a scope no entry names is an error at its JSON pointer, with the closest scope', async () => {
    const errors = await errorsOf(`auth:
  mode: jwt
  roles:
    editor: [notes:read, notes:wrte]
`);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.pointer).toBe('/auth/roles/editor/1');
    expect(errors[0]!.line).toBe(14);
    expect(errors[0]!.detail).toBe('role "editor" grants scope "notes:wrte", which no tool, resource or prompt names');
    expect(errors[0]!.hint).toBe('did you mean "notes:write"?');
  });

  it('a certificate given an undeclared role is an error at its pointer', async () => {
    const errors = await errorsOf(`auth:
  mode: mtls
  roles:
    reader: [notes:read]
  clients:
    "CN=ci-*": { roles: [reeder] }
`);
    expect(errors.map((e) => [e.pointer, e.detail, e.hint])).toEqual([['/auth/clients/CN=ci-*/roles/0', 'client "CN=ci-*" is given role "reeder", which auth.roles does not declare', 'did you mean "reader"?']]);
  });

  it('bad role names and claim paths are refused by the schema', async () => {
    const badName = await errorsOf(`auth:
  mode: jwt
  roles:
    "has space": [notes:read]
`);
    expect([badName[0]!.pointer, badName[0]!.detail]).toEqual(['/auth/roles/has space', 'invalid role name "has space"']);
    const badClaim = await errorsOf(`auth:
  mode: jwt
  jwt: { rolesClaim: "realm_access..roles" }
`);
    expect(badClaim[0]!.pointer).toBe('/auth/jwt/rolesClaim');
  });

  it('a role granting nothing is a warning; the manifest carries roles and the claim path; registry.ts exports type Role', async () => {
    const spec = await load(`auth:
  mode: jwt
  roles:
    editor: [notes:read, notes:write]
    idle: []
  jwt: { rolesClaim: realm_access.roles }
`);
    const project = await generateProject(spec);
    expect(project.warnings.join('\n')).toMatch(/\/auth\/roles\/idle: warning: role "idle" grants no scope/);
    const manifest = project.files.get('src/generated/manifest.ts')!;
    expect(manifest).toContain('realm_access.roles');
    expect(manifest).toMatch(/editor/);
    const registry = project.files.get('src/generated/registry.ts')!;
    expect(registry).toContain(`export type Role = 'editor' | 'idle';`);
  });

  it('a spec without roles generates no Role type', async () => {
    const project = await generateProject(await load('auth:\n  mode: jwt\n'));
    expect(project.files.get('src/generated/registry.ts')).not.toContain('type Role');
  });
});
