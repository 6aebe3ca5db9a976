import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../errors/index.js';
import { createSandbox, lexicalProblem, type Sandbox } from './index.js';

let base: string;
let root: string;
let sandbox: Sandbox;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'mcpforge-sandbox-')));
  root = join(base, 'data');
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'a.txt'), 'inside');
  // The prefix trick: a sibling whose name starts with the root's name.
  mkdirSync(join(base, 'data2'));
  writeFileSync(join(base, 'data2', 'secret.txt'), 'outside');
  writeFileSync(join(base, 'secret.txt'), 'outside');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out'));
  symlinkSync(join(base, 'data2'), join(root, 'dir-out'));
  symlinkSync(join(root, 'docs', 'a.txt'), join(root, 'link-in'));
  symlinkSync(join(base, 'nowhere', 'new.txt'), join(root, 'dangling-out'));
  symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
  symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
  sandbox = createSandbox(root);
});

const rejects = async (path: string): Promise<ToolError> => {
  const error = await sandbox.resolve(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${JSON.stringify(path)} to be rejected`).toBeInstanceOf(ToolError);
  expect((error as ToolError).code).toBe('path_outside_sandbox');
  return error as ToolError;
};

describe('fs sandbox: accepted paths', () => {
  it('resolves relative paths inside the root to real absolute paths', async () => {
    expect(await sandbox.resolve('docs/a.txt')).toBe(join(root, 'docs', 'a.txt'));
    expect(await sandbox.resolve('./docs/a.txt')).toBe(join(root, 'docs', 'a.txt'));
    expect(await sandbox.resolve('link-in')).toBe(join(root, 'docs', 'a.txt'));
    expect(await sandbox.resolve('docs/not-yet.txt')).toBe(join(root, 'docs', 'not-yet.txt'));
    expect(await sandbox.resolve('.')).toBe(root);
    // Dots inside a name are not traversal.
    expect(await sandbox.resolve('docs/..hidden')).toBe(join(root, 'docs', '..hidden'));
  });
});

describe('fs sandbox: rejected paths', () => {
  it('rejects a .. escape', async () => {
    expect((await rejects('../secret.txt')).message).toMatch(/contains "\.\."/);
  });
  it('rejects .. even when it would stay inside (no lexical games)', async () => {
    await rejects('docs/../docs/a.txt');
    await rejects('docs/../../secret.txt');
  });
  it('rejects an absolute path outside the root', async () => {
    expect((await rejects('/etc/passwd')).message).toMatch(/is absolute/);
  });
  it('rejects an absolute path even inside the root', async () => {
    await rejects(join(root, 'docs', 'a.txt'));
  });
  it('rejects the prefix trick (/srv/data2 is not inside /srv/data)', async () => {
    await rejects('../data2/secret.txt');
    await rejects(join(base, 'data2', 'secret.txt'));
  });
  it('rejects a symlink to a file outside', async () => {
    expect((await rejects('link-out')).message).toMatch(/outside the allowed folder/);
  });
  it('rejects a file under a symlinked directory outside', async () => {
    await rejects('dir-out/secret.txt');
  });
  it('rejects a new file under a symlinked directory outside', async () => {
    await rejects('dir-out/new.txt');
  });
  it('rejects a dangling symlink pointing outside', async () => {
    await rejects('dangling-out');
  });
  it('rejects a symlink loop', async () => {
    await rejects('loop-a');
  });
  it('rejects a NUL byte', async () => {
    expect((await rejects('docs/a.txt\0.png')).message).toMatch(/NUL byte/);
  });
  it('rejects control characters', async () => {
    await rejects('docs/a\n.txt');
  });
  it('rejects Windows-style separators', async () => {
    expect((await rejects('..\\secret.txt')).message).toMatch(/backslash/);
    await rejects('docs\\a.txt');
    await rejects('\\\\server\\share\\x');
  });
  it('rejects drive letters', async () => {
    expect((await rejects('C:/Windows/win.ini')).message).toMatch(/drive letter/);
    await rejects('c:secret.txt');
  });
  it('rejects URL-encoded traversal (for tools that decode later)', async () => {
    for (const path of ['%2e%2e/secret.txt', '..%2fsecret.txt', '%2E%2E%2Fsecret.txt', 'docs%5c..%5csecret.txt', 'a.txt%00.png']) {
      expect((await rejects(path)).message).toMatch(/percent-encoded/);
    }
  });
  it('rejects non-strings', async () => {
    expect(lexicalProblem(42)).toBe('it is not a string');
    await rejects(undefined as unknown as string);
  });
});

describe('fs sandbox: reading', () => {
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

  it('rejects a file symlink created after the check (open refuses it)', async () => {
    writeFileSync(join(root, 'swap.txt'), 'inside');
    const checked = await sandbox.resolve('swap.txt');
    expect(checked).toBe(join(root, 'swap.txt'));
    // Between resolve() and open() an attacker swaps the file for a link to a secret outside.
    rmSync(join(root, 'swap.txt'));
    symlinkSync(join(base, 'secret.txt'), join(root, 'swap.txt'));
    await expect(sandbox.readFile('swap.txt')).rejects.toThrow(/outside the allowed folder/);
    rmSync(join(root, 'swap.txt'));
  });

  it('rejects a directory symlink swapped in after the check (the descriptor is re-checked)', async () => {
    mkdirSync(join(root, 'swapdir'));
    writeFileSync(join(root, 'swapdir', 'secret.txt'), 'inside');
    await sandbox.resolve('swapdir/secret.txt');
    // The parent folder becomes a link to a folder outside holding a file of the same name.
    renameSync(join(root, 'swapdir'), join(root, 'swapdir-old'));
    mkdirSync(join(base, 'evil'));
    writeFileSync(join(base, 'evil', 'secret.txt'), 'outside');
    symlinkSync(join(base, 'evil'), join(root, 'swapdir'));
    // open() resolves again and checks the opened descriptor: the read never returns "outside".
    const text = await sandbox.readFile('swapdir/secret.txt').catch((e: unknown) => (e as Error).message);
    expect(text).not.toBe('outside');
    expect(text).toMatch(/outside the allowed folder/);
  });

  it('refuses a root that does not exist', () => {
    expect(() => createSandbox(join(base, 'missing'))).toThrow(/does not exist/);
  });
});
