import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../errors/index.js';
import { createSandbox, type Sandbox } from './index.js';

let base: string;
let root: string;
let sandbox: Sandbox;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'mcpforge-sandbox-')));
  root = join(base, 'root');
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'a.txt'), 'inside');
  mkdirSync(join(base, 'root-evil'));
  writeFileSync(join(base, 'root-evil', 'secret.txt'), 'outside');
  writeFileSync(join(base, 'secret.txt'), 'outside');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out'));
  symlinkSync(join(base, 'root-evil'), join(root, 'dir-out'));
  symlinkSync(join(root, 'docs', 'a.txt'), join(root, 'link-in'));
  symlinkSync(join(base, 'nowhere', 'new.txt'), join(root, 'dangling-out'));
  symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
  symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
  sandbox = createSandbox(root);
});

const rejects = async (path: string) => {
  const error = await sandbox.resolve(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${JSON.stringify(path)} to be rejected`).toBeInstanceOf(ToolError);
  return error as ToolError;
};

describe('fs sandbox', () => {
  it('resolves paths inside the root to real absolute paths', async () => {
    expect(await sandbox.resolve('docs/a.txt')).toBe(join(root, 'docs', 'a.txt'));
    expect(await sandbox.resolve('./docs/../docs/a.txt')).toBe(join(root, 'docs', 'a.txt'));
    expect(await sandbox.resolve(join(root, 'docs'))).toBe(join(root, 'docs'));
    expect(await sandbox.resolve('link-in')).toBe(join(root, 'docs', 'a.txt'));
    expect(await sandbox.resolve('docs/not-yet.txt')).toBe(join(root, 'docs', 'not-yet.txt'));
    expect(await sandbox.resolve('.')).toBe(root);
  });

  it.each([
    ['a .. escape', '../secret.txt'],
    ['a deep .. escape', 'docs/../../secret.txt'],
    ['an absolute path outside', '/etc/passwd'],
    ['the prefix trick', '../root-evil/secret.txt'],
    ['an absolute prefix trick', '/root-evil/secret.txt'],
    ['a symlink to a file outside', 'link-out'],
    ['a symlinked directory outside', 'dir-out/secret.txt'],
    ['a new file under a symlinked directory outside', 'dir-out/new.txt'],
    ['a dangling symlink pointing outside', 'dangling-out'],
    ['a symlink loop', 'loop-a'],
    ['a NUL byte', 'docs/a.txt\0.png'],
  ])('rejects %s', async (_label, path) => {
    const target = path.startsWith('/root-evil') ? join(base, path) : path;
    const error = await rejects(target);
    expect(error.code).toMatch(/path_outside_sandbox/);
  });

  it('reads files and lists folders inside, with clear errors', async () => {
    expect(await sandbox.readFile('docs/a.txt')).toBe('inside');
    await expect(sandbox.readFile('link-out')).rejects.toThrow(/outside the allowed folder/);
    await expect(sandbox.readFile('docs/none.txt')).rejects.toThrow('File "docs/none.txt" does not exist.');
    await expect(sandbox.readFile('docs')).rejects.toThrow('"docs" is not a file.');
    await expect(sandbox.readFile('docs/a.txt', { maxBytes: 2 })).rejects.toThrow(/is 6 bytes; the limit is 2/);
    expect(await sandbox.list('docs')).toEqual([{ name: 'a.txt', kind: 'file' }]);
    expect((await sandbox.list()).map((e) => e.name)).toContain('docs');
    await expect(sandbox.list('dir-out')).rejects.toBeInstanceOf(ToolError);
  });

  it('refuses a root that does not exist', () => {
    expect(() => createSandbox(join(base, 'missing'))).toThrow(/does not exist/);
  });
});
