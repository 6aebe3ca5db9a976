import { SpecError, throwIfAny } from '../spec/errors.js';
import type { LoadedSpec, SpecLocation } from '../spec/types.js';

/**
 * THE type-name function of every emitter (types, registry, validators, handlers, contract tests):
 * `get_forecast` → `GetForecast`, `getNote` → `GetNote`, `3d.render` → `_3DRender`,
 * `mt4username` → `Mt4Username`.
 *
 * The result is a fixed point of json-schema-to-typescript's own naming (`toSafeString`), which
 * renames the titles we hand it: it upper-cases a letter that follows digits, so we do too, or
 * the registry would import `Mt4usernameInput` from a module exporting `Mt4UsernameInput`.
 */
export function pascalCase(name: string): string {
  const pascal = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
    .replace(/[0-9]+[a-z]/g, (m) => m.toUpperCase());
  if (!pascal) return '_';
  return /^[0-9]/.test(pascal) ? `_${pascal}` : pascal;
}

/** The root type names a project exports, per tool, resource and prompt. */
export interface TypeNames {
  tools: Map<string, { input: string; output: string }>;
  resources: Map<string, { params: string; data: string }>;
  prompts: Map<string, { args: string }>;
}

/**
 * Names every root type and fails when two entries would export the same name (`get_note` and
 * `getNote` both give `GetNoteInput`): registry.ts imports them all into one module.
 */
export function typeNames(spec: LoadedSpec): TypeNames {
  const owners = new Map<string, string>();
  const errors: SpecError[] = [];
  const reported = new Set<string>();
  const claim = (typeName: string, owner: string, location: SpecLocation) => {
    const previous = owners.get(typeName);
    // One error per pair of clashing entries, not one per type name they share.
    if (previous !== undefined && !reported.has(`${owner}\0${previous}`)) {
      reported.add(`${owner}\0${previous}`);
      errors.push(
        new SpecError({
          ...location,
          message: `${owner} and ${previous} both generate the type name "${typeName}"`,
          hint: 'rename one of them so their names differ by more than case or punctuation',
        }),
      );
    } else owners.set(typeName, owner);
    return typeName;
  };
  const names: TypeNames = { tools: new Map(), resources: new Map(), prompts: new Map() };
  for (const t of spec.tools) {
    const p = pascalCase(t.name);
    const owner = `tool "${t.name}"`;
    names.tools.set(t.name, { input: claim(`${p}Input`, owner, t.location), output: claim(`${p}Output`, owner, t.location) });
  }
  for (const r of spec.resources) {
    const p = pascalCase(r.name);
    const owner = `resource "${r.name}"`;
    names.resources.set(r.name, { params: claim(`${p}Params`, owner, r.location), data: claim(`${p}Data`, owner, r.location) });
  }
  for (const pr of spec.prompts) {
    names.prompts.set(pr.name, { args: claim(`${pascalCase(pr.name)}Args`, `prompt "${pr.name}"`, pr.location) });
  }
  throwIfAny(errors);
  return names;
}

/** An object key as TypeScript source: bare when it is an identifier, quoted otherwise. */
export { propertyKey } from './escape.js';

/** Paths of generated and user-owned files, relative to the project root. */
export const paths = {
  toolTypes: (name: string) => `src/generated/types/${name}.ts`,
  resourceTypes: (name: string) => `src/generated/types/resources/${name}.ts`,
  promptTypes: (name: string) => `src/generated/types/prompts/${name}.ts`,
  toolInputValidator: (name: string) => `src/generated/validators/${name}.input`,
  toolOutputValidator: (name: string) => `src/generated/validators/${name}.output`,
  resourceValidator: (name: string) => `src/generated/validators/resources/${name}.data`,
  promptValidator: (name: string) => `src/generated/validators/prompts/${name}.args`,
  toolHandler: (name: string) => `src/tools/${name}.ts`,
  resourceHandler: (name: string) => `src/resources/${name}.ts`,
  promptHandler: (name: string) => `src/prompts/${name}.ts`,
  manifest: 'src/generated/manifest.ts',
  registry: 'src/generated/registry.ts',
  handlers: 'src/generated/handlers.ts',
  validatorModules: 'src/generated/validator-modules.d.ts',
  database: 'src/db/schema.ts',
} as const;
