/**
 * The shared definitions of an imported API: every schema a tool reaches, normalised once into
 * one components file (`schemas/<api>/components.json`, under `$defs`). Tool schemas refer to it
 * with `components.json#/$defs/<name>`, and the spec loader bundles what each tool uses into its
 * own `$defs` (recursive schemas stay recursive through `$defs`).
 *
 * `readOnly` and `writeOnly` depend on the direction: a read-only property (an `id` the server
 * assigns) must not be asked for in a tool's input, a write-only one (a password) is never in an
 * output. A definition that contains such properties, directly or through its references, gets an
 * `_input` / `_output` variant without them, and each side refers to its own variant.
 */
import { DEFAULT_DESCRIPTION_BUDGET, fitDescription, tidyDescription } from './describe.js';
import { escape, isObject, normaliseSchema, type NormaliseContext } from './normalise-schema.js';
import type { OpenApiDocument } from './document.js';
import { advertisedOutputSchema } from '../shared/spec/advertised-schema.js';
import { rewriteAnnotations } from '../shared/spec/schema-annotations.js';
import { setOwn } from '../shared/own-property.js';
import { getAtPointer } from '../shared/spec/source-document.js';
import type { JsonSchemaObject } from '../shared/spec/types.js';

export type Direction = 'input' | 'output';
const DROP: Record<Direction, string> = { input: 'readOnly', output: 'writeOnly' };
const DEF_REF = /^(?:[^#]*)#\/\$defs\/([^/]+)$/;

export class Components {
  /** Normalised definitions by name (refs inside are `#/$defs/<name>`). */
  readonly defs = new Map<string, unknown>();
  private readonly nameByRef = new Map<string, string>();
  private readonly variantCache = new Map<string, string | null>();
  private readonly pending: Array<[string, string]> = [];

  /** Constructs relaxed or dropped (see NormaliseContext.degrade), by definition name or `inline:<pointer>`. */
  readonly degraded = new Map<string, string[]>();
  private readonly anchors = new Map<string, string>();
  private current = '';

  /** A description as the tool carries it: tidied and fitted into the import's budget (describe.ts). */
  readonly describe: (text: string) => string;

  constructor(
    private readonly doc: OpenApiDocument,
    descriptionBudget = DEFAULT_DESCRIPTION_BUDGET,
  ) {
    this.describe = (text) => fitDescription(tidyDescription(text), descriptionBudget);
    const components = isObject(doc.data.components) ? doc.data.components : {};
    const schemas = isObject(components.schemas) ? components.schemas : {};
    for (const [name, schema] of Object.entries(schemas)) {
      if (isObject(schema) && typeof schema.$dynamicAnchor === 'string') this.anchors.set(schema.$dynamicAnchor, `#/components/schemas/${escape(name)}`);
    }
  }

  private context(ref: (ref: string, at: string) => string): NormaliseContext {
    return {
      version: this.doc.version,
      ref,
      dynamicAnchor: (name) => this.anchors.get(name),
      describe: this.describe,
      degrade: (at, what) => {
        const list = this.degraded.get(this.current) ?? [];
        list.push(`${at}: ${what}`);
        this.degraded.set(this.current, list);
      },
    };
  }

  /** Degradations an operation's schema carries: its own (inline) and those of every definition it reaches. */
  degradationsOf(schemas: unknown[], inlineKey: string): string[] {
    const out = [...(this.degraded.get(inlineKey) ?? [])];
    for (const name of this.reached(schemas)) out.push(...(this.degraded.get(name) ?? []));
    return out;
  }

  /** The names of every definition the schemas reach through `$ref`s, transitively (each once). */
  private reached(schemas: unknown[]): Set<string> {
    const seen = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (!isObject(node)) return;
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') {
          const m = DEF_REF.exec(v);
          const name = m ? decode(m[1]!) : undefined;
          if (name !== undefined && !seen.has(name) && this.defs.has(name)) {
            seen.add(name);
            visit(this.defs.get(name));
          }
        } else if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples') visit(v);
      }
    };
    schemas.forEach(visit);
    return seen;
  }

  /** Registers the target of an OpenAPI `$ref` as a definition and returns its name. */
  defName(ref: string, at: string): string {
    if (!ref.startsWith('#/')) {
      this.doc.fail(at, `unsupported $ref "${ref}": only references inside the description (#/...) are supported`, 'bundle the description into one file first (e.g. `redocly bundle`)');
    }
    let name = this.nameByRef.get(ref);
    if (name) return name;
    if (getAtPointer(this.doc.data, ref) === undefined) {
      // `#/$defs/X` written inside a component means that component's own `$defs` (its author
      // read the component as a schema resource of its own): resolved there when it exists.
      const local = /^#\/\$defs\/(.+)$/.exec(ref);
      const owner = /^\/components\/schemas\/[^/]+/.exec(at)?.[0];
      if (local && owner && getAtPointer(this.doc.data, `#${owner}/$defs/${local[1]}`) !== undefined) return this.defName(`#${owner}/$defs/${local[1]}`, at);
      this.doc.fail(at, `broken $ref "${ref}": nothing at ${ref.slice(1)}`, 'fix the pointer or add the schema it names');
    }
    const last = decodeURIComponent(ref.slice(ref.lastIndexOf('/') + 1)).replace(/~1/g, '/').replace(/~0/g, '~');
    const base = last.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'def';
    name = base;
    for (let i = 2; [...this.nameByRef.values()].includes(name); i++) name = `${base}_${i}`;
    this.nameByRef.set(ref, name);
    this.pending.push([ref, name]);
    return name;
  }

  /** Normalises a schema found at `at` in the description, registering every definition it reaches. */
  /** Key under which inline degradations are recorded: set per operation by the planner. */
  operationKey = 'inline';

  normalise(schema: unknown, at: string, refPrefix: string): unknown {
    this.current = this.operationKey;
    const out = normaliseSchema(schema, this.context((ref, where) => `${refPrefix}#/$defs/${escape(this.defName(ref, where))}`), at);
    this.drain();
    return out;
  }

  private drain(): void {
    while (this.pending.length > 0) {
      const [ref, name] = this.pending.shift()!;
      this.current = name;
      this.defs.set(name, normaliseSchema(getAtPointer(this.doc.data, ref), this.context((r, where) => `#/$defs/${escape(this.defName(r, where))}`), ref.slice(1)));
    }
  }

  /**
   * The schema as seen from one direction: properties that only travel the other way removed
   * (and from `required`), refs re-pointed at the definitions' variants where they differ.
   */
  forDirection(schema: unknown, direction: Direction): unknown {
    return this.strip(schema, direction);
  }

  /** Name of the definition to use in `direction` (the variant, created on demand, or itself). */
  private variant(name: string, direction: Direction): string {
    const key = `${direction}:${name}`;
    const cached = this.variantCache.get(key);
    if (cached !== undefined) return cached ?? name;
    if (!this.needing(direction).has(name)) {
      this.variantCache.set(key, null);
      return name;
    }
    let variant = `${name}_${direction}`;
    for (let i = 2; this.defs.has(variant); i++) variant = `${name}_${direction}_${i}`;
    this.variantCache.set(key, variant);
    this.defs.set(variant, true); // reserve: a cycle finds the name and stops
    this.defs.set(variant, this.strip(this.defs.get(name), direction));
    return variant;
  }

  private readonly needs = new Map<Direction, Set<string>>();

  /**
   * Definitions that need a variant for `direction`: those with a dropped property, and those
   * referring to one, found once over the whole reference graph (call after every operation
   * has been normalised).
   */
  private needing(direction: Direction): Set<string> {
    let set = this.needs.get(direction);
    if (set) return set;
    const flag = DROP[direction];
    const referrers = new Map<string, string[]>();
    set = new Set<string>();
    for (const [name, schema] of this.defs) {
      let direct = false;
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(visit);
        if (!isObject(node)) return;
        if (isObject(node.properties) && Object.values(node.properties).some((p) => isObject(p) && p[flag] === true)) direct = true;
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') {
            const m = DEF_REF.exec(v);
            if (m) {
              const target = decode(m[1]!);
              const list = referrers.get(target);
              if (list) list.push(name);
              else referrers.set(target, [name]);
            }
          } else if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples') visit(v);
        }
      };
      visit(schema);
      if (direct) set.add(name);
    }
    const queue = [...set];
    while (queue.length > 0) {
      for (const referrer of referrers.get(queue.pop()!) ?? []) {
        if (!set.has(referrer)) {
          set.add(referrer);
          queue.push(referrer);
        }
      }
    }
    this.needs.set(direction, set);
    return set;
  }

  private strip(node: unknown, direction: Direction): unknown {
    if (Array.isArray(node)) return node.map((n) => this.strip(n, direction));
    if (!isObject(node)) return node;
    const flag = DROP[direction];
    const out: JsonSchemaObject = {};
    const dropped = new Set<string>();
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const m = DEF_REF.exec(v);
        const name = m ? decode(m[1]!) : undefined;
        out.$ref = name !== undefined && this.defs.has(name) ? v.slice(0, v.length - m![1]!.length) + escape(this.variant(name, direction)) : v;
      } else if (k === 'properties' && isObject(v)) {
        const props: JsonSchemaObject = {};
        for (const [p, s] of Object.entries(v)) {
          if (isObject(s) && s[flag] === true) dropped.add(p);
          else setOwn(props, p, this.strip(s, direction));
        }
        out.properties = props;
      } else if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') out[k] = v;
      else setOwn(out, k, this.strip(v, direction));
    }
    if (dropped.size > 0 && Array.isArray(out.required)) out.required = (out.required as string[]).filter((r) => !dropped.has(r));
    return out;
  }

  /** JSON size of a schema with every definition it reaches (what a bundled copy of it weighs). */
  /**
   * Bytes of a tool's output schema as tools/list advertises it (advertised-schema.ts: annotations
   * on the root only) with every definition it reaches: what each client downloads for it.
   */
  closureSize(schema: unknown): number {
    const bare = (s: unknown) => rewriteAnnotations(s, () => undefined);
    let size = JSON.stringify(advertisedOutputSchema(schema as JsonSchemaObject)).length;
    for (const name of this.reached([schema])) size += JSON.stringify(bare(this.defs.get(name))).length;
    return size;
  }

  /** The components file: `{ $defs: {...} }` in name order (stable diffs). */
  file(): JsonSchemaObject {
    const names = [...this.defs.keys()].sort();
    return { $defs: Object.fromEntries(names.map((n) => [n, this.defs.get(n)])) };
  }
}

function decode(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
