/**
 * The attack cases of the security suite, shared by every surface they apply to: the files
 * example's tools (sandbox.test.ts) and `kind: files` resources for paths; the notes example
 * (sql.test.ts) and `kind: sql` resources for SQL metacharacters.
 */
import { join } from 'node:path';

/**
 * Paths that try to leave a sandbox rooted at `<base>/data`, where `<base>` holds `secret.txt`,
 * `data2/secret.txt` (the prefix trick), `outside/secret.txt`, and the root holds the symlinks
 * `link-file` (to `<base>/secret.txt`), `link-dir` (to `<base>/outside`) and `sub/relative-link`
 * (to `../secret.txt`).
 */
export function pathAttacks(base: () => string): Array<[string, () => string]> {
  return [
    ['dot-dot to a file beside the root', () => '../secret.txt'],
    ['dot-dot after a real folder', () => 'sub/../../secret.txt'],
    ['many dot-dots', () => '../../../../../../../../etc/passwd'],
    ['absolute path to the secret', () => join(base(), 'secret.txt')],
    ['absolute /etc/passwd', () => '/etc/passwd'],
    ['percent-encoded dot-dot (not decoded)', () => '%2e%2e%2fsecret.txt'],
    ['double-encoded dot-dot', () => '%252e%252e%252fsecret.txt'],
    ['NUL byte after an allowed name', () => 'readme.txt\u0000../../secret.txt'],
    ['backslash dot-dot (Windows separators)', () => '..\\secret.txt'],
    ['mixed separators', () => 'sub\\..\\..\\secret.txt'],
    ['prefix trick: sibling folder named like the root plus a suffix', () => '../data2/secret.txt'],
    ['symlink to a file outside', () => 'link-file'],
    ['relative symlink in a subfolder pointing outside', () => 'sub/relative-link'],
    ['file through a symlink to a folder outside', () => 'link-dir/secret.txt'],
    ['home shortcut (not expanded)', () => '~/../secret.txt'],
  ];
}

/** SQL metacharacters (each becomes a case per database). NUL is separate: PostgreSQL text cannot hold it. */
export const SQL_PAYLOADS: Array<[string, string]> = [
  ['single quote', "O'Brien's note"],
  ['double quote, semicolon, comment', '";-- drop'],
  ['tautology', "' OR 1=1 --"],
  ['tautology with double quotes', '" OR ""="'],
  ['percent wildcard', '%'],
  ['underscore wildcard', '_'],
  ['backslash and escaped wildcard', '\\%\\_\\'],
  ['DROP TABLE', "'; DROP TABLE notes; --"],
  ['stacked query with UNION', "x' UNION SELECT id, title, body, tags, created_at FROM notes --"],
  ['unicode: RTL override, emoji, combining marks, CJK', 'ñ\u202e🎉 e\u0301 日本語'],
  ['placeholders', '$1 ? :name @p1'],
];
export const SQL_NUL_PAYLOAD: [string, string] = ['NUL byte', 'a\u0000b'];
