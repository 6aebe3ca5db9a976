/** Tool and property names that every MCP client accepts, unique where they must be. */
import { pascalCase } from '../shared/codegen/naming.js';
import { sanitiseName } from '../shared/spec/lint.js';

export const MAX_TOOL_NAME = 64;

/** `repos/get-content` → `repos_get_content`; `GET /pets/{id}` → `get_pets_id`. */
export function sanitiseToolName(raw: string): string {
  const clean = raw
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return clean || 'operation';
}

export function methodPathName(method: string, path: string): string {
  return sanitiseToolName(`${method}_${path.replace(/[{}]/g, '')}`);
}

/**
 * Hands out names unique under every way they can clash: exactly, after client normalisation
 * (case, punctuation: lint's `sanitiseName`) and as generated TypeScript type names. A name past
 * 64 characters is cut, and a clash gets `_2`, `_3`, ... within the 64.
 */
export class NameRegistry {
  private readonly taken = new Set<string>();

  constructor(existing: Iterable<string> = []) {
    for (const name of existing) this.reserve(name);
  }

  reserve(name: string): void {
    for (const key of keys(name)) this.taken.add(key);
  }

  isFree(name: string): boolean {
    return keys(name).every((k) => !this.taken.has(k));
  }

  claim(wanted: string): string {
    const base = wanted.slice(0, MAX_TOOL_NAME).replace(/_+$/, '') || 'operation';
    let name = base;
    for (let i = 2; !this.isFree(name); i++) {
      const suffix = `_${i}`;
      name = base.slice(0, MAX_TOOL_NAME - suffix.length).replace(/_+$/, '') + suffix;
    }
    this.reserve(name);
    return name;
  }
}

function keys(name: string): string[] {
  return [`n:${sanitiseName(name)}`, `t:${pascalCase(name).toLowerCase()}`];
}

/** A property name clients accept in a JSON Schema (`^[A-Za-z0-9_.-]{1,64}$`). */
export function sanitisePropertyName(raw: string): string {
  const clean = raw.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64);
  return clean || 'value';
}

/** `GitHub v3 REST API` → `github-v3-rest-api`: folder names and environment variable prefixes. */
export function slugify(raw: string): string {
  return (
    raw
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'api'
  );
}

/** `github` → `GITHUB`; `my-api` → `MY_API`. */
export function envPrefix(slug: string): string {
  const upper = slug.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return /^[0-9]/.test(upper) ? `API_${upper}` : upper;
}
