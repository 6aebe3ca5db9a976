/** Renders templates/<name>/: `*.hbs` through handlebars, everything else copied as is. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { posixRelative, type FileMap } from './compose.js';

/** npm drops `.gitignore` from published packages, so templates store it without the dot. */
const RENAMES: Record<string, string> = { gitignore: '.gitignore' };

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out.sort();
}

export async function renderTemplateDir(dir: string, data: object): Promise<FileMap> {
  const files: FileMap = new Map();
  for (const file of await walk(dir)) {
    let rel = posixRelative(dir, file);
    const raw = await readFile(file, 'utf8');
    let content = raw;
    if (rel.endsWith('.hbs')) {
      rel = rel.slice(0, -'.hbs'.length);
      // noEscape: templates emit code and JSON, where HTML escaping would corrupt `<` and `"`.
      content = Handlebars.compile(raw, { noEscape: true, strict: true })(data);
    }
    files.set(RENAMES[rel] ?? rel, content);
  }
  return files;
}
