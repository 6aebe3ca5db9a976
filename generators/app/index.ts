/**
 * `mcpforge new` as a Yeoman generator (also `yo mcpforge`). Thin: it gathers answers (flags first,
 * prompts only for what is missing and only with a TTY), plans every file in memory with
 * planNewProject, and hands them to Yeoman's mem-fs, which commits them to disk in one go.
 * Installing and building run after the commit, in the CLI.
 */
import { basename } from 'node:path';
import Generator from 'yeoman-generator';
import { planNewProject, type PlanContext } from './plan.js';
import {
  missingOptions,
  noTerminalMessage,
  parseExample,
  parseLayout,
  parseTransports,
  parseAuthMode,
  validateName,
  TRANSPORTS,
  DEFAULT_TRANSPORTS,
  type NewAnswers,
} from './options.js';

export interface AppGeneratorOptions {
  name?: string;
  example?: string;
  transport?: string;
  layout?: string;
  auth?: string;
  spec?: string;
  yes?: boolean;
  /** Supplied by the CLI: where the toolkit lives and how to depend on the runtime. */
  planContext?: Omit<PlanContext, 'projectDir'>;
  /** Set by the generator: what was written, for the CLI's summary. */
  result?: { answers: NewAnswers; files: string[]; warnings: string[] };
}

export default class AppGenerator extends Generator {
  private answers?: NewAnswers;

  private get opts(): AppGeneratorOptions {
    return this.options as unknown as AppGeneratorOptions;
  }

  async prompting(): Promise<void> {
    const options = this.opts;
    const defaults: NewAnswers = {
      name: options.name ?? basename(this.destinationRoot()).toLowerCase().replace(/[^a-z0-9-._~]+/g, '-'),
      example: options.example ? parseExample(options.example) : 'all',
      transports: options.transport ? parseTransports(options.transport) : [...DEFAULT_TRANSPORTS],
      layout: options.layout ? parseLayout(options.layout) : 'dev',
      ...(options.spec ? { spec: options.spec } : {}),
      ...(options.auth && parseAuthMode(options.auth) !== 'none' ? { auth: parseAuthMode(options.auth) } : {}),
    };
    const missing = missingOptions(options);
    if (options.yes || missing.length === 0) {
      this.answers = defaults;
    } else if (!process.stdin.isTTY) {
      throw new Error(noTerminalMessage(missing));
    } else {
      // Type, message and choices come from the option's definition; here only what is specific.
      const extra: Record<(typeof missing)[number]['key'], object> = {
        name: { default: defaults.name, validate: (value: string) => validateName(value) },
        example: { default: 'all' },
        transports: {
          choices: TRANSPORTS.map((value) => ({ name: value, value, checked: DEFAULT_TRANSPORTS.includes(value) })),
          validate: (value: string[]) => value.length > 0 || 'choose at least one transport',
        },
        layout: { default: 'dev' },
        auth: { default: 'none' },
      };
      const questions = missing.map((option) => ({
        type: option.prompt.type,
        name: option.key,
        message: option.prompt.message,
        ...(option.prompt.choices ? { choices: [...option.prompt.choices] } : {}),
        ...extra[option.key],
      }));
      // The question union is wider than inquirer's per-type overloads; each entry above is well-formed.
      const prompted = (await this.prompt(questions as Parameters<Generator['prompt']>[0])) as {
        name?: string;
        example?: string;
        transports?: string[];
        layout?: string;
        auth?: string;
      };
      this.answers = {
        ...defaults,
        ...(prompted.name ? { name: prompted.name } : {}),
        ...(prompted.example ? { example: parseExample(prompted.example) } : {}),
        ...(prompted.transports ? { transports: parseTransports(prompted.transports.join(',')) } : {}),
        ...(prompted.layout ? { layout: parseLayout(prompted.layout) } : {}),
        ...(prompted.auth && prompted.auth !== 'none' ? { auth: parseAuthMode(prompted.auth) } : {}),
      };
    }
    const nameCheck = validateName(this.answers.name);
    if (nameCheck !== true) throw new Error(`--name ${this.answers.name}: ${nameCheck}`);
  }

  async writing(): Promise<void> {
    const options = this.opts;
    const answers = this.answers as NewAnswers;
    if (!options.planContext) throw new Error('the app generator needs a planContext option (run it through `mcpforge new`)');
    const { files, warnings } = await planNewProject(answers, { ...options.planContext, projectDir: this.destinationRoot() });
    for (const [path, content] of files) this.fs.write(this.destinationPath(path), content);
    options.result = { answers, files: [...files.keys()].sort(), warnings };
  }
}
