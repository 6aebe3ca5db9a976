/**
 * A TEST-ONLY copy of the notes example with one extra tool, `slow_wait`, added through the spec
 * and `mcpforge generate` (as a user would). Its handler waits on `ctx.signal` and records what
 * happened in a marks file (FILE: SLOW_MARKS), so tests can see from outside the process that a
 * cancelled or disconnected call really aborted its handler.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProject, exampleProject, mcpforge } from '../../production/lib/project.js';

const SPEC_ENTRY = `  slow_wait:
    title: Slow wait (test only)
    description: Waits until the call is cancelled or ms milliseconds pass; records which.
    input: schemas/slow_wait.input.json
    annotations:
      readOnlyHint: true
      openWorldHint: false
`;

const INPUT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    label: { type: 'string', minLength: 1, maxLength: 100 },
    ms: { type: 'integer', minimum: 0, maximum: 600000 },
  },
  required: ['label'],
  additionalProperties: false,
};

const HANDLER = `import { appendFileSync } from 'node:fs';
import { defineTool } from '../generated/registry.js';

const mark = (line: string) => appendFileSync(process.env.SLOW_MARKS as string, \`\${line}\\n\`);

export default defineTool('slow_wait', async (input, ctx) => {
  mark(\`started \${input.label}\`);
  const outcome = await new Promise<'aborted' | 'completed'>((resolve) => {
    if (ctx.signal.aborted) return resolve('aborted');
    const timer = setTimeout(() => resolve('completed'), input.ms ?? 60_000);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve('aborted');
    }, { once: true });
  });
  mark(\`\${outcome} \${input.label}\`);
  return \`\${outcome} \${input.label}\`;
});
`;

/** Copies notes, adds slow_wait to the spec, runs `mcpforge generate`, writes the handler, builds. */
export async function slowProject(): Promise<string> {
  const dir = await exampleProject('notes');
  const specPath = join(dir, 'mcpforge.yaml');
  const spec = readFileSync(specPath, 'utf8');
  if (!spec.includes('\nresources:')) throw new Error('notes spec layout changed: no top-level resources: block to insert before');
  writeFileSync(specPath, spec.replace('\nresources:', `\n${SPEC_ENTRY}resources:`));
  writeFileSync(join(dir, 'schemas', 'slow_wait.input.json'), `${JSON.stringify(INPUT_SCHEMA, null, 2)}\n`);
  const generated = await mcpforge(dir, 'generate');
  if (generated.exitCode !== 0) throw new Error(`mcpforge generate failed:\n${generated.all}`);
  writeFileSync(join(dir, 'src', 'tools', 'slow_wait.ts'), HANDLER);
  await buildProject(dir);
  return dir;
}

/** The marks the handler wrote so far (one per line). */
export function readMarks(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Waits until the marks file has `line` (the handler runs in another process). */
export async function waitForMark(file: string, line: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readMarks(file).includes(line)) {
    if (Date.now() > deadline) throw new Error(`mark "${line}" never appeared; marks: ${JSON.stringify(readMarks(file))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
