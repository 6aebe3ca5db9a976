/**
 * Just enough of `docker build` to prove a build context self-contained without a Docker engine:
 * the context is assembled as Docker assembles it (every file of the folder minus what
 * `.dockerignore` excludes, matched with Docker's own rules by @balena/dockerignore), and the
 * Dockerfile's own instructions are interpreted stage by stage in clean folders: COPY (from the
 * context or `--from` a stage), WORKDIR, ENV and RUN (through `sh -c`, as Docker's shell form does).
 *
 * What cannot run here is reported, not hidden: RUN lines that install system packages of the base
 * image (`apt-get`) are skipped and listed in `skipped`; USER, HEALTHCHECK, CMD and the other
 * metadata are parsed and returned for the caller to use.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';
import { execa } from 'execa';

// A CommonJS module whose typings claim an ES default export: load it as what it is.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: { ignorecase?: boolean }) => Ignore;

export interface Instruction {
  keyword: string;
  /** `--from=build` → { from: 'build' } */
  flags: Record<string, string>;
  /** The rest of the line after the flags (continuations joined). */
  args: string;
  line: number;
}

export interface Stage {
  name?: string;
  from: string;
  instructions: Instruction[];
}

/** Parses a Dockerfile into stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      line = `${line.trimEnd().slice(0, -1)} ${lines[++i]!.trim()}`;
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${start + 1}: cannot parse ${JSON.stringify(line)}`);
    const keyword = match[1]!.toUpperCase();
    let rest = match[2]!.trim();
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest); flag; flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
      flags[flag[1]!] = flag[2]!;
      rest = rest.slice(flag[0].length);
    }
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: FROM ${rest}`);
      stages.push({ from: from[1]!, ...(from[2] ? { name: from[2] } : {}), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, flags, args: rest, line: start + 1 });
  }
  return stages;
}

/** `["node", "x"]` (exec form) or a shell-form string → argv. */
export function execForm(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return ['sh', '-c', args];
}

function walk(root: string, rel = ''): string[] {
  return readdirSync(join(root, rel), { withFileTypes: true }).flatMap((entry) => {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    return entry.isDirectory() ? walk(root, path) : [path];
  });
}

/**
 * Copies the build context of `projectDir` into `out` as Docker sends it to the engine: every file
 * minus the `.dockerignore` matches. Returns the relative paths sent.
 */
export function assembleContext(projectDir: string, out: string): string[] {
  const ignoreFile = join(projectDir, '.dockerignore');
  const matcher = dockerignore({ ignorecase: false });
  if (existsSync(ignoreFile)) matcher.add(readFileSync(ignoreFile, 'utf8'));
  const kept = walk(projectDir).filter((path) => !matcher.ignores(path));
  for (const path of kept) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    cpSync(join(projectDir, path), join(out, path));
  }
  return kept.sort();
}

export interface BuildResult {
  /** Root folder of each stage's filesystem, by stage name (and index). */
  roots: Map<string, string>;
  /** The final stage: its root, working directory (absolute, on this machine), ENV, USER, CMD, HEALTHCHECK. */
  final: { root: string; workdir: string; env: Record<string, string>; user?: string; cmd?: string[]; healthcheck?: string[] };
  /** RUN lines not executed here (system packages of the base image), for the report. */
  skipped: string[];
  /** RUN lines executed, in order. */
  ran: string[];
}

/** The RUN lines that need the base image's package manager: they cannot run on this machine. */
const SYSTEM_PACKAGES = /^\s*(apt-get|apk|yum|dnf)\b/;

/**
 * Interprets the Dockerfile's stages over `context` (an assembled build context), each stage in its
 * own folder under `work`. A COPY whose source is missing from the context fails, as in Docker.
 */
export async function runDockerfile(context: string, work: string, options: { env?: Record<string, string> } = {}): Promise<BuildResult> {
  const stages = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const roots = new Map<string, string>();
  const skipped: string[] = [];
  const ran: string[] = [];
  let final: BuildResult['final'] | undefined;
  for (const [index, stage] of stages.entries()) {
    const root = join(work, `stage-${index}`);
    mkdirSync(root, { recursive: true });
    roots.set(String(index), root);
    if (stage.name) roots.set(stage.name, root);
    let workdir = '/';
    const env: Record<string, string> = {};
    let user: string | undefined;
    let cmd: string[] | undefined;
    let healthcheck: string[] | undefined;
    const inStage = (path: string) => join(root, posix.resolve(workdir, path));
    for (const step of stage.instructions) {
      const where = `Dockerfile line ${step.line} (${step.keyword} ${step.args})`;
      switch (step.keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, step.args);
          mkdirSync(join(root, workdir), { recursive: true });
          break;
        case 'ENV':
          for (const pair of step.args.split(/\s+/)) {
            const eq = pair.indexOf('=');
            if (eq <= 0) throw new Error(`${where}: only the KEY=value form is supported`);
            env[pair.slice(0, eq)] = pair.slice(eq + 1);
          }
          break;
        case 'COPY': {
          const parts = step.args.startsWith('[') ? (JSON.parse(step.args) as string[]) : step.args.split(/\s+/);
          const dest = parts.pop()!;
          const fromRoot = step.flags.from === undefined ? undefined : roots.get(step.flags.from);
          if (step.flags.from !== undefined && !fromRoot) throw new Error(`${where}: no stage ${step.flags.from}`);
          const sources = parts.flatMap((source) => {
            const base = fromRoot ? join(fromRoot, source) : join(context, source);
            if (!source.includes('*')) {
              if (!existsSync(base)) throw new Error(`${where}: ${source} is not in the ${fromRoot ? `stage ${step.flags.from}` : 'build context'} (is it excluded by .dockerignore?)`);
              return [base];
            }
            // A glob in the last segment (e.g. package-lock.json*): matching nothing is fine.
            const pattern = new RegExp(`^${basename(source).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
            const dir = dirname(base);
            return existsSync(dir) ? readdirSync(dir).filter((name) => pattern.test(name)).map((name) => join(dir, name)) : [];
          });
          const target = inStage(dest);
          for (const source of sources) {
            if (statSync(source).isDirectory()) {
              // Docker copies a directory's contents, not the directory itself.
              cpSync(source, target, { recursive: true });
            } else {
              const file = dest.endsWith('/') || sources.length > 1 ? join(target, basename(source)) : target;
              mkdirSync(dirname(file), { recursive: true });
              cpSync(source, file);
            }
          }
          break;
        }
        case 'RUN': {
          if (SYSTEM_PACKAGES.test(step.args)) {
            skipped.push(step.args);
            break;
          }
          const argv = execForm(step.args);
          const result = await execa(argv[0]!, argv.slice(1), {
            cwd: join(root, workdir),
            env: { ...options.env, ...env },
            all: true,
            reject: false,
          });
          if (result.exitCode !== 0) throw new Error(`${where} failed (${result.exitCode}):\n${(result.all ?? '').split('\n').slice(-40).join('\n')}`);
          ran.push(step.args);
          break;
        }
        case 'USER':
          user = step.args;
          break;
        case 'CMD':
          cmd = execForm(step.args);
          break;
        case 'HEALTHCHECK': {
          const at = step.args.indexOf('CMD ');
          if (at < 0) throw new Error(`${where}: HEALTHCHECK without CMD`);
          healthcheck = execForm(step.args.slice(at + 'CMD '.length).trim());
          break;
        }
        case 'EXPOSE':
        case 'STOPSIGNAL':
        case 'LABEL':
        case 'ARG':
          break;
        default:
          throw new Error(`${where}: instruction not supported by this interpreter`);
      }
    }
    final = { root, workdir: join(root, workdir), env, ...(user ? { user } : {}), ...(cmd ? { cmd } : {}), ...(healthcheck ? { healthcheck } : {}) };
  }
  if (!final) throw new Error('the Dockerfile has no stage');
  return { roots, final, skipped, ran };
}
