/** `mcpforge new --spec <file>`: start from an existing spec and the schema files it references. */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadSpec } from '../shared/spec/index.js';
import { posixRelative, type ComposedProject, type FileMap } from './compose.js';
import type { NewAnswers } from './options.js';

export async function composeFromSpecFile(specPath: string, answers: NewAnswers): Promise<ComposedProject> {
  const absolute = resolve(specPath);
  try {
    await stat(absolute);
  } catch {
    throw new Error(`--spec ${specPath}: file not found. Pass the path of an existing mcpforge.yaml (or .json).`);
  }
  // Validates the spec and every schema it references before anything is planned.
  const loaded = await loadSpec(absolute);
  const baseDir = dirname(absolute);
  const files: FileMap = new Map();
  for (const source of loaded.sourceFiles) {
    const rel = posixRelative(baseDir, source);
    if (rel === posixRelative(baseDir, absolute)) continue;
    if (rel.startsWith('..')) {
      throw new Error(`${source}: referenced by ${specPath} but outside its folder. Move it next to the spec (e.g. into schemas/) and update the reference.`);
    }
    files.set(rel, await readFile(source));
  }
  const text = await readFile(absolute, 'utf8');
  const spec = (absolute.endsWith('.json') ? JSON.parse(text) : parse(text)) as ComposedProject['spec'];
  const auth = answers.auth ? { auth: { ...((spec as { auth?: object }).auth ?? {}), mode: answers.auth } } : {};
  return { spec: { ...spec, name: answers.name, transports: answers.transports, ...auth }, files };
}
