import type { ErrorObject, ValidateFunction } from 'ajv';
import specSchema from './mcpforge.schema.json' with { type: 'json' };
import { SpecError } from './errors.js';
import { joinPointer, parsePointer, type SourceDocument } from './source-document.js';
import { closestKey } from './suggest.js';

export { specSchema };

export const NAME_RULE_HINT = 'use 1–64 characters of A–Z a–z 0–9 _ . -';

const GROUP_NAME_HINT = 'use 1–40 lower case letters, digits and -, starting and ending with a letter or digit (it names a service and the path /mcp/<group>)';

/** How the spec schema is compiled (verbose: the "did you mean" reads each error's parent schema). */
export const SPEC_VALIDATOR_OPTIONS = { allErrors: true, verbose: true, strict: false } as const;

/**
 * The spec schema compiled with SPEC_VALIDATOR_OPTIONS ahead of time (ajv standalone): compiling
 * it cost every command that loads a spec 0.1–0.25 s, loading the module costs ~13 ms, and only
 * when a spec is validated (a regeneration whose spec is cached never is).
 * test/unit/spec/spec-validator.test.ts keeps the module equal to a fresh compile of the schema.
 */
const specValidator = async (): Promise<ValidateFunction> => (await import('./spec-validator.generated.js')).default as unknown as ValidateFunction;

/**
 * Validates a parsed spec against the spec format's own JSON Schema and returns every problem,
 * each turned into a message a person can act on (unknown keys get a "did you mean").
 */
export async function validateSpecDocument(doc: SourceDocument): Promise<SpecError[]> {
  const validate = await specValidator();
  if (validate(doc.data)) return [];
  const raw = validate.errors ?? [];
  // A misspelt required key shows up twice (unknown "descripton", missing "description"): the
  // "did you mean" says it all, so drop the missing-key error it explains.
  const explained = new Set(
    raw
      .filter((e) => e.keyword === 'additionalProperties')
      .map((e) => `${e.instancePath}\0${closestKey(String(e.params.additionalProperty), Object.keys((e.parentSchema as { properties?: object })?.properties ?? {}))}`),
  );
  const errors = raw
    .filter((e) => !(e.keyword === 'required' && explained.has(`${e.instancePath}\0${String(e.params.missingProperty)}`)))
    .flatMap((e) => toSpecError(doc, e) ?? []);
  // ajv may report the same problem through several schema paths; keep one of each.
  const seen = new Set<string>();
  return errors
    .filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)))
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

const KIND_BY_SECTION: Record<string, string> = { tools: 'tool', resources: 'resource', prompts: 'prompt' };

const REQUIRED_HINTS: Record<string, string> = {
  name: 'add `name: my-server` (the package name of the server)',
  version: 'add `version: 0.1.0`',
  description: 'add a description: the model reads it to decide when to call the tool',
  input: 'add `input:` with a path to a JSON Schema file or an inline object schema (`{ type: object, properties: {} }` for none)',
  uri: 'add `uri:` with a static URI or an RFC 6570 template such as notes://{id}',
  mode: 'add `mode:` with one of none, apiKey, jwt, oauth, oauth-proxy, mtls, custom',
  root: 'add `root:` with the folder a files resource serves (relative to the project folder)',
  query: 'add `query:` with one SELECT whose :name parameters are the uri variables',
  url: 'add `url:` with the upstream URL, such as https://api.example.com/items/{id}',
  allow: 'add `allow:` with the hosts the resource may fetch from, such as [api.example.com]',
};

function toSpecError(doc: SourceDocument, e: ErrorObject): SpecError | undefined {
  const at = (pointer: string, message: string, hint?: string, key = false) => {
    const pos = doc.locate(pointer, { key });
    return new SpecError({ file: doc.file, line: pos.line, column: pos.column, pointer, message, hint });
  };
  const where = e.instancePath || '/';
  const segments = parsePointer(e.instancePath);
  const last = segments.at(-1) ?? '';
  // `/transports/1` reads better as "transports[1]" than as "1".
  const subject = /^\d+$/.test(last) ? `"${segments.at(-2) ?? ''}[${last}]"` : `"${last}"`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const suggestion = closestKey(key, known);
      return at(
        joinPointer(e.instancePath, key),
        `unknown key "${key}" at ${where}`,
        suggestion ? `did you mean "${suggestion}"?` : `allowed keys: ${known.join(', ')}`,
        true,
      );
    }
    case 'propertyNames': {
      const name = String(e.params.propertyName);
      const section = parsePointer(e.instancePath).at(-1) ?? '';
      const kind = KIND_BY_SECTION[section] ?? 'key';
      if (section === 'groups') return at(joinPointer(e.instancePath, name), `invalid group name "${name}"`, GROUP_NAME_HINT, true);
      if (e.instancePath === '/auth/roles') return at(joinPointer(e.instancePath, name), `invalid role name "${name}"`, 'use 1 to 64 of A-Z a-z 0-9 _ . : @ -', true);
      return at(joinPointer(e.instancePath, name), `invalid ${kind} name "${name}"`, NAME_RULE_HINT, true);
    }
    case 'required': {
      const key = String(e.params.missingProperty);
      return at(e.instancePath, `missing required key "${key}" at ${where}`, REQUIRED_HINTS[key] ?? `add "${key}"`);
    }
    case 'type':
      return at(e.instancePath, `${subject} must be ${String(e.params.type).replace(',', ' or ')}, got ${describe(e.data)}`, typeHint(e));
    case 'enum':
      return at(
        e.instancePath,
        `${subject} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}, got ${JSON.stringify(e.data)}`,
      );
    case 'pattern': {
      // The inner error of a propertyNames failure: reported by the `propertyNames` case.
      if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return undefined;
      if (e.instancePath === '/name') {
        return at('/name', `invalid package name ${JSON.stringify(e.data)}`, 'use lower case letters, digits and - . _ ~, with an optional @scope/ prefix (npm package name rules)');
      }
      if (e.instancePath === '/version') {
        return at('/version', `invalid version ${JSON.stringify(e.data)}`, 'use a semantic version such as 0.1.0');
      }
      return at(e.instancePath, `${subject} ${e.message}`);
    }
    case 'if':
    case 'anyOf':
    case 'oneOf':
      return undefined;
    default:
      return at(e.instancePath, `${subject} ${e.message ?? 'is invalid'}`);
  }
}

function typeHint(e: ErrorObject): string | undefined {
  const types = String(e.params.type);
  if (types === 'string,object') return 'give a path to a JSON Schema file or an inline JSON Schema object';
  if (types === 'array') return 'use a YAML list such as [a, b]';
  if (types === 'object') return 'use a map of keys to values';
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : `${typeof value} ${JSON.stringify(value)}`;
}
