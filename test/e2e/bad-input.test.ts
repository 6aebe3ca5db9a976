/**
 * Bad input gets a specific message and exit code 1, and nothing is written: neither by `new`
 * (the target folder is never created) nor by `generate` (the project stays byte-identical).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { snapshotFiles } from '../helpers/snapshot.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const FIXTURES = join(TOOLKIT_ROOT, 'test', 'fixtures', 'bad-new');
const workdir = mkdtempSync(join(tmpdir(), 'mcpforge-bad-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

const CASES = [
  { fixture: 'unknown-key.yaml', expected: [/unknown-key\.yaml:4/, /descripton/, /did you mean "description"/, /\/tools\/hello/] },
  { fixture: 'space-name.yaml', expected: [/space-name\.yaml:3/, /get forecast/, /A.?Z a.?z 0.?9 _ \. -|\[A-Za-z0-9_.-\]/] },
  { fixture: 'broken-ref.yaml', expected: [/broken\.json/, /#\/\$defs\/place/, /\/properties\/where/] },
  { fixture: 'invalid.yaml', expected: [/invalid\.yaml:\d+/, /YAML/i] },
];

describe('mcpforge new --spec <bad spec>', () => {
  for (const { fixture, expected } of CASES) {
    it(`${fixture}: exit 1, a specific message, nothing written`, async () => {
      const target = join(workdir, fixture.replace(/\W/g, '-'));
      const result = await execa(process.execPath, [CLI, 'new', target, '--yes', '--skip-install', '--spec', join(FIXTURES, fixture)], { all: true, reject: false });
      expect(result.exitCode, result.all).toBe(1);
      for (const pattern of expected) expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(target)).toBe(false);
    });
  }

  it('refuses a non-empty folder without --force and leaves it as it was', async () => {
    const target = join(workdir, 'occupied');
    cpSync(FIXTURES, target, { recursive: true });
    const before = snapshotFiles(target);
    const result = await execa(process.execPath, [CLI, 'new', target, '--yes', '--skip-install'], { all: true, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/is not empty.*--force/s);
    expect(snapshotFiles(target)).toEqual(before);
  });

  it('without a terminal and without --yes, names the flags to pass', async () => {
    const target = join(workdir, 'no-tty');
    const result = await execa(process.execPath, [CLI, 'new', target, '--skip-install'], { all: true, reject: false, stdin: 'ignore' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/--name.*--example.*--transport.*--yes/s);
    expect(existsSync(target)).toBe(false);
  });
});

describe('mcpforge generate on a broken spec', () => {
  it('exits 1 and leaves every file of the project untouched', async () => {
    const project = join(workdir, 'notes');
    cpSync(join(TOOLKIT_ROOT, 'examples', 'notes'), project, { recursive: true });
    const spec = join(project, 'mcpforge.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('    input: schemas/create_note.input.json', '    input: schemas/missing.json'));
    const before = snapshotFiles(project);
    const result = await execa(process.execPath, [CLI, 'generate'], { cwd: project, all: true, reject: false });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/missing\.json/);
    expect(snapshotFiles(project)).toEqual(before);
  });
});
