/** Renders templates/<name>/: `*.hbs` through handlebars, everything else copied as is. */
import { readFile } from 'node:fs/promises';
import Handlebars from 'handlebars';
import { listFiles } from '../shared/tree/list-files.js';
import { posixRelative, type FileMap } from './compose.js';

/** npm drops `.gitignore` from published packages, so templates store it without the dot. */
const RENAMES: Record<string, string> = { gitignore: '.gitignore' };

export async function renderTemplateDir(dir: string, data: object): Promise<FileMap> {
  const files: FileMap = new Map();
  for (const file of await listFiles(dir)) {
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
