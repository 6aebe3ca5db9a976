/**
 * Plans a whole new project in memory: nothing touches the target folder until every file is
 * known and the spec has been validated, so a failure leaves the disk as it was.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateProject } from '../shared/codegen/index.js';
import { loadSpec } from '../shared/spec/index.js';
import { composeExamples, renderSpec, SPEC_SCHEMA_PATH, type FileMap } from './compose.js';
import type { NewAnswers, ExampleName } from './options.js';
import { renderTemplateDir } from './templates.js';
import { composeFromSpecFile } from './from-spec.js';
import { applyPlan, planUpgrade } from '../upgrade/plan.js';
import { renderProductionTemplates } from '../upgrade/templates.js';
import { withAuthEnv } from '../upgrade/auth.js';

/** App replicas in compose.yaml and the Deployment of a project created with `--layout production`. */
export const DEFAULT_REPLICAS = 3;

export interface PlanContext {
  /** The mcpforge package root (holds templates/ and generators/). */
  toolkitRoot: string;
  /** Absolute path of the project folder, shown in the connection snippets. */
  projectDir: string;
  /**
   * How package.json depends on the runtime: a `file:` tarball in vendor/ or a version range;
   * `reason` (why that source) goes into the project README.
   */
  runtime: { spec: string; tarball?: { path: string; content: Buffer }; reason?: string };
  /**
   * How package.json depends on the mcpforge CLI (for `npm run generate` and `check`); by default
   * the published version range of this toolkit.
   */
  cli?: { spec: string; tarball?: { path: string; content: Buffer }; reason?: string };
}

/** Environment variables an example reads, documented in .env.example. */
const EXAMPLE_ENV: Record<ExampleName, Array<{ name: string; value: string; comment: string }>> = {
  notes: [],
  weather: [
    { name: 'WEATHER_API_URL', value: 'https://api.open-meteo.com', comment: 'weather: Open-Meteo compatible forecast API' },
    { name: 'WEATHER_GEOCODING_URL', value: 'https://geocoding-api.open-meteo.com', comment: 'weather: geocoding API' },
  ],
  files: [{ name: 'FILES_ROOT', value: './files', comment: 'files: the only folder the file tools can see' }],
};

const VENDOR_NOTE = `Tarballs of mcpforge packages go here when the registry lacks them (\`mcpforge new --runtime-source vendor\`).
This project takes @mcpforge/runtime and mcpforge from the registry, so the folder holds only this note.
`;

interface SpecEntry {
  description?: string;
  uri?: string;
}

export async function planNewProject(answers: NewAnswers, context: PlanContext): Promise<{ files: FileMap; warnings: string[] }> {
  const composed = answers.spec
    ? await composeFromSpecFile(answers.spec, answers)
    : await composeExamples(join(context.toolkitRoot, 'templates'), answers);
  const specText = renderSpec(composed.spec);

  const generated = await generateFromStaging(specText, composed.files);
  const files: FileMap = new Map(composed.files);
  files.set('mcpforge.yaml', specText);
  for (const [path, content] of generated.userFiles) if (!files.has(path)) files.set(path, content);
  for (const [path, content] of generated.files) files.set(path, content);

  const section = (name: 'tools' | 'resources' | 'prompts') =>
    Object.entries((composed.spec[name] ?? {}) as Record<string, SpecEntry>).map(([key, value]) => ({
      name: key,
      description: value.description ?? '',
      uri: value.uri ?? '',
    }));
  const examples = answers.spec ? [] : answers.example === 'all' ? (['notes', 'weather', 'files'] as const) : answers.example === 'none' ? [] : [answers.example];
  const cliSpec = context.cli?.spec ?? `^${await toolkitVersion(context.toolkitRoot)}`;
  const templateData = {
    name: answers.name,
    version: '0.1.0',
    description: String(composed.spec.description ?? ''),
    runtimeSpec: context.runtime.spec,
    runtimeReason: context.runtime.reason ?? '',
    cliSpec,
    cliReason: context.cli?.reason ?? '',
    vendored: [context.runtime.spec, cliSpec].some((spec) => spec.startsWith('file:')),
    tools: section('tools'),
    resources: section('resources'),
    prompts: section('prompts'),
    env: examples.flatMap((example) => EXAMPLE_ENV[example]),
  };
  for (const [path, content] of await renderTemplateDir(join(context.toolkitRoot, 'templates', 'app'), templateData)) {
    files.set(path, content);
  }
  // `new --auth`: the mode's variables documented in .env.example (generators/upgrade/auth.ts).
  if (answers.auth && answers.auth !== 'none' && files.has('.env.example')) files.set('.env.example', withAuthEnv(String(files.get('.env.example')), answers.auth));
  files.set(SPEC_SCHEMA_PATH, await readFile(join(context.toolkitRoot, 'generators', 'shared', 'spec', 'mcpforge.schema.json'), 'utf8'));
  files.set('.mcpforge/answers.json', `${JSON.stringify({ ...answers, spec: undefined }, null, 2)}\n`);
  if (context.runtime.tarball) files.set(context.runtime.tarball.path, context.runtime.tarball.content);
  if (context.cli?.tarball) files.set(context.cli.tarball.path, context.cli.tarball.content);
  // The production Dockerfile copies vendor/; with both packages from the registry it holds only this note.
  if (!templateData.vendored) files.set('vendor/README.md', VENDOR_NOTE);
  if (answers.layout === 'production') return { files: await upgradeInMemory(files, answers.name, context.toolkitRoot), warnings: generated.warnings };
  return { files, warnings: generated.warnings };
}

/**
 * `new --layout production` is `new` (dev) followed by `upgrade --to production`: the same plan,
 * applied to the in-memory file map instead of the disk, so the two can never drift apart.
 */
async function upgradeInMemory(files: FileMap, name: string, toolkitRoot: string): Promise<FileMap> {
  const rendered = await renderProductionTemplates(toolkitRoot, { name, replicas: DEFAULT_REPLICAS });
  return applyPlan(files, planUpgrade({ files, ...rendered }));
}

async function toolkitVersion(toolkitRoot: string): Promise<string> {
  return (JSON.parse(await readFile(join(toolkitRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The spec loader resolves `$ref`s against real files, so the composed spec and schemas are staged
 * in a private temporary folder (never the target) and loaded from there.
 */
async function generateFromStaging(specText: string, userFiles: FileMap) {
  const staging = await mkdtemp(join(tmpdir(), 'mcpforge-new-'));
  try {
    await writeFile(join(staging, 'mcpforge.yaml'), specText);
    for (const [path, content] of userFiles) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), content);
    }
    const spec = await loadSpec(join(staging, 'mcpforge.yaml'));
    return await generateProject(spec, {
      specFile: 'mcpforge.yaml',
      readUserFile: (path: string) => {
        const content = userFiles.get(path);
        return content === undefined ? undefined : content.toString();
      },
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
