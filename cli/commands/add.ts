/**
 * `mcpforge add tool|resource|prompt <name>`: adds the entry to the spec (an in-place edit that
 * keeps the file's comments and layout), creates a starter schema when none is given, and
 * generates. Everything (spec edit, schema, generated files, handler stub) is planned in memory
 * and validated first; a bad schema or a handler conflict leaves every file as it was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { commitPlan, planProject, writeFiles } from '../../generators/generate/project.js';
import { isEntryName, SECTION, type EntryKind } from '../../generators/shared/merge/entries.js';
import { addSpecEntry, SpecEditError } from '../../generators/shared/merge/spec-edit.js';
import { UserError } from '../output.js';
import { reportPlan, specPathOf } from './generate.js';

export interface AddOptions {
  spec: string;
  dryRun?: boolean;
  yes?: boolean;
  description?: string;
  title?: string;
  input?: string;
  output?: string;
  uri?: string;
  schema?: string;
  mimeType?: string;
  arguments?: string;
}

interface Question {
  key: keyof AddOptions;
  flag: string;
  message: string;
  /** Must be answered (a flag, a prompt, or --yes with a default). */
  required: boolean;
  /** What --yes uses. */
  default?: (name: string) => string;
}

/** One definition per option drives the flag check, the prompt and the --yes default. */
const QUESTIONS: Record<EntryKind, Question[]> = {
  tool: [
    { key: 'description', flag: '--description', message: 'What does the tool do? (shown to the model)', required: true, default: (name) => `TODO: describe what ${name} does.` },
    { key: 'input', flag: '--input', message: 'Input schema file (empty: create schemas/<name>.input.json)', required: false },
    { key: 'output', flag: '--output', message: 'Output schema file (empty: the tool returns text)', required: false },
  ],
  resource: [
    { key: 'uri', flag: '--uri', message: 'URI or RFC 6570 template (e.g. notes://{id})', required: true },
    { key: 'description', flag: '--description', message: 'Description (optional)', required: false },
    { key: 'schema', flag: '--schema', message: 'Schema file of the data (empty: the resource returns text)', required: false },
  ],
  prompt: [
    { key: 'description', flag: '--description', message: 'Description (optional)', required: false },
    { key: 'arguments', flag: '--arguments', message: 'Arguments schema file (empty: no arguments)', required: false },
  ],
};

export async function addCommand(kind: EntryKind, name: string, options: AddOptions): Promise<void> {
  const specPath = specPathOf(options.spec);
  const root = dirname(specPath);
  if (!isEntryName(name)) {
    throw new UserError(`${kind} name "${name}": use 1 to 64 characters of A-Z a-z 0-9 _ . - (e.g. get_forecast).`);
  }
  const answers = await gather(kind, name, options);

  const overlay = new Map<string, string>();
  const schemaRef = (file: string | undefined, flag: string): string | undefined => {
    if (!file) return undefined;
    const full = resolve(file);
    if (!existsSync(full)) throw new UserError(`${flag} ${file}: file not found. Pass the path of a JSON Schema file.`);
    const rel = relative(root, full).split(sep).join('/');
    return isAbsolute(rel) ? full : rel;
  };
  const entry: Record<string, unknown> = {};
  if (answers.title) entry.title = answers.title;
  if (answers.description) entry.description = answers.description;
  if (kind === 'tool') {
    let input = schemaRef(answers.input, '--input');
    if (!input) {
      input = `schemas/${name}.input.json`;
      if (!existsSync(join(root, input))) overlay.set(join(root, input), STARTER_INPUT);
    }
    entry.input = input;
    const output = schemaRef(answers.output, '--output');
    if (output) entry.output = output;
  } else if (kind === 'resource') {
    entry.uri = answers.uri;
    if (answers.mimeType) entry.mimeType = answers.mimeType;
    const schema = schemaRef(answers.schema, '--schema');
    if (schema) entry.schema = schema;
  } else {
    const args = schemaRef(answers.arguments, '--arguments');
    if (args) entry.arguments = args;
  }

  let specText: string;
  try {
    specText = addSpecEntry(readFileSync(specPath, 'utf8'), relative(process.cwd(), specPath) || specPath, SECTION[kind], name, entry);
  } catch (error) {
    if (error instanceof SpecEditError) throw new UserError(error.message);
    throw error;
  }
  overlay.set(specPath, specText);

  const outcome = await planProject({ specPath, overlay });
  if (outcome.upToDate) throw new Error('planning with a changed spec cannot be up to date');
  const { plan } = outcome;
  const rel = (file: string) => relative(root, file).split(sep).join('/');
  const specVerb = options.dryRun ? 'would update' : 'update';
  const createVerb = options.dryRun ? 'would create' : 'create';
  reportPlan(plan, { dryRun: options.dryRun ?? false });
  process.stdout.write(`  ${specVerb.padEnd(options.dryRun ? 14 : 8)} ${rel(specPath)}  (${SECTION[kind]}.${name})\n`);
  for (const file of overlay.keys()) if (file !== specPath) process.stdout.write(`  ${createVerb.padEnd(options.dryRun ? 14 : 8)} ${rel(file)}\n`);
  if (options.dryRun) {
    process.stdout.write(`dry run: nothing written\n`);
    return;
  }
  // Spec and schema last: if writing the generated files fails, the spec still matches the disk.
  await commitPlan(root, plan);
  await writeFiles(root, new Map([...overlay].map(([file, text]) => [rel(file), text])));
  process.stdout.write(`added ${kind} "${name}": edit ${kind === 'tool' ? 'src/tools' : kind === 'resource' ? 'src/resources' : 'src/prompts'}/${name}.ts\n`);
}

const STARTER_INPUT = `${JSON.stringify(
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {},
    additionalProperties: false,
  },
  null,
  2,
)}\n`;

async function gather(kind: EntryKind, name: string, options: AddOptions): Promise<AddOptions> {
  const questions = QUESTIONS[kind];
  const given = (q: Question) => options[q.key] !== undefined;
  const answers: AddOptions = { ...options };
  if (options.yes) {
    for (const q of questions) if (!given(q) && q.default) (answers[q.key] as string) = q.default(name);
  }
  const missingRequired = questions.filter((q) => q.required && answers[q.key] === undefined);
  // With a terminal and no flags at all, ask everything; otherwise only what is required.
  const noFlags = questions.every((q) => !given(q));
  const toAsk = options.yes ? missingRequired : noFlags ? questions : missingRequired;
  if (toAsk.length === 0) return answers;
  if (!process.stdin.isTTY) {
    if (missingRequired.length === 0) return answers;
    const flags = missingRequired.map((q) => q.flag).join(', ');
    const withYes = missingRequired.every((q) => q.default) ? ', or --yes to accept the defaults' : '';
    throw new UserError(`No terminal to ask questions on. Pass ${flags}${withYes}.`);
  }
  const { default: inquirer } = await import('inquirer');
  const prompted = (await inquirer.prompt(
    toAsk.map((q) => ({
      type: 'input',
      name: q.key,
      message: q.message.replace('<name>', name),
      validate: (value: string) => !q.required || value.trim().length > 0 || `${q.flag} is required`,
    })) as never,
  )) as Record<string, string>;
  for (const q of toAsk) {
    const value = prompted[q.key]?.trim();
    if (value) (answers[q.key] as string) = value;
  }
  return answers;
}
