/**
 * The shaping walker: one pass over a full JSON Schema, driven by a profile's rules (profiles/*.ts),
 * that writes the schema the client accepts and the restore plan for its arguments. Pure: no I/O,
 * the input is never modified. Constraints the client cannot take move into the description (the
 * server still validates against the full schema, so nothing is lost in enforcement).
 */
import type { JsonSchema, ProfileRules, RestorePlan, ShapeChange, ShapedSchema } from './types.js';
import { setOwn } from '../core/own-property.js';

/** How many times one `$ref` may be expanded along a path before the rest is cut. */
export const REF_DEPTH_CAP = 3;

/** Keywords that only name or locate a schema: dropped once references are inlined. */
const LOCATORS = new Set(['$schema', '$id', '$anchor', '$comment', '$defs', 'definitions', '$dynamicAnchor', '$vocabulary']);
/** Keywords the walker writes itself. */
const STRUCTURAL = new Set(['type', 'properties', 'required', 'items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'enum', 'const', 'nullable', 'description', 'title', 'format', '$ref']);
/** Keywords whose value is one subschema (shaped when the profile keeps them). */
const ONE_SUBSCHEMA = new Set(['not', 'if', 'then', 'else', 'contains', 'propertyNames', 'additionalItems', 'unevaluatedItems', 'unevaluatedProperties']);
/** Keywords whose value maps names to subschemas. */
const MAP_OF_SUBSCHEMAS = new Set(['patternProperties', 'dependentSchemas']);

interface Walk {
  rules: ProfileRules;
  root: JsonSchema;
  changes: ShapeChange[];
}

interface At {
  pointer: string;
  refs: readonly string[];
  inItems: boolean;
}

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);
const esc = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const compact = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/**
 * Shapes a tool's input schema for a profile.
 * @example
 * ```ts
 * const { schema, plan } = shapeSchema(openaiStrict, { type: 'object', properties: { q: { type: 'string' } } });
 * // schema.required = ['q'], q: { type: ['string', 'null'] }; restoreArguments(plan, { q: null }) = {}
 * ```
 */
export function shapeSchema(rules: ProfileRules, full: JsonSchema): ShapedSchema {
  if (rules.name === 'full') return { schema: full, plan: undefined, changes: [] };
  const walk: Walk = { rules, root: full, changes: [] };
  let root: JsonSchema = full;
  if (typeof full.$ref === 'string') root = inlineRef(walk, full, { pointer: '', refs: [], inItems: false }).node;
  if (rules.liftTopLevelUnion) root = liftUnion(walk, root);
  if (root.type === undefined) root = { type: 'object', ...root };
  const { schema, plan } = shapeNode(walk, root, { pointer: '', refs: [], inItems: false });
  // The top level is always an object for MCP; JSON text there would make the tool unusable.
  if (schema.type === 'string' && plan?.json) {
    const empty: JsonSchema = { type: 'object', properties: {}, ...(rules.strict ? { required: [], additionalProperties: false } : {}) };
    return { schema: { ...(typeof full.description === 'string' ? { description: full.description } : {}), ...empty }, plan: undefined, changes: walk.changes };
  }
  return { schema, plan, changes: walk.changes };
}

function note(walk: Walk, at: At, kind: ShapeChange['kind'], message: string): void {
  walk.changes.push({ pointer: at.pointer || '/', kind, message });
}

function resolvePointer(root: JsonSchema, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Replaces a `$ref` by its target merged with the node's other keywords; cut after REF_DEPTH_CAP expansions. */
function inlineRef(walk: Walk, node: JsonSchema, at: At): { node: JsonSchema; refs: readonly string[] } {
  let current = node;
  let refs = at.refs;
  // A chain of references (A → B → C) is followed in one go.
  while (typeof current.$ref === 'string') {
    const ref = current.$ref;
    const { $ref: _ignored, ...siblings } = current;
    if (refs.filter((r) => r === ref).length >= REF_DEPTH_CAP) {
      note(walk, at, 'recursion-cut', `recursive ${ref} shown ${REF_DEPTH_CAP} levels deep; deeper levels accept any value here and are checked by the server`);
      return { node: { ...siblings, description: withNote(siblings.description, `Nested deeper (recursive ${ref.split('/').pop()}); the server checks the full structure.`) }, refs };
    }
    const target = resolvePointer(walk.root, ref);
    if (target === undefined) {
      note(walk, at, 'dropped', `${ref} cannot be resolved inside the schema; any value is shown here and the server checks it`);
      return { node: siblings, refs };
    }
    refs = [...refs, ref];
    current = { ...(isObject(target) ? target : target === false ? { not: {} } : {}), ...siblings };
  }
  return { node: current, refs };
}

function withNote(description: unknown, text: string): string {
  return typeof description === 'string' && description.length > 0 ? `${description}\n${text}` : text;
}

/** Merges `allOf` branches into one node (properties and required united; first value of other keywords wins). */
function mergeAll(walk: Walk, node: JsonSchema, at: At): { node: JsonSchema; refs: readonly string[] } {
  const { allOf, ...rest } = node;
  if (!Array.isArray(allOf)) return { node, refs: at.refs };
  let merged: JsonSchema = { ...rest };
  let refs = at.refs;
  for (const raw of allOf) {
    let branch = isObject(raw) ? raw : {};
    if (walk.rules.inlineRefs && typeof branch.$ref === 'string') {
      const inlined = inlineRef(walk, branch, { ...at, refs });
      branch = inlined.node;
      refs = inlined.refs;
    }
    if (Array.isArray(branch.allOf)) branch = mergeAll(walk, branch, { ...at, refs }).node;
    merged = mergeTwo(merged, branch);
  }
  note(walk, at, 'merged-allOf', `allOf of ${allOf.length} schemas merged into one`);
  return { node: merged, refs };
}

function mergeTwo(a: JsonSchema, b: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...b, ...a };
  if (isObject(a.properties) || isObject(b.properties)) out.properties = { ...(isObject(b.properties) ? b.properties : {}), ...(isObject(a.properties) ? a.properties : {}) };
  const required = [...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])];
  if (required.length > 0) out.required = [...new Set(required)];
  if (typeof a.description === 'string' && typeof b.description === 'string' && a.description !== b.description) out.description = `${a.description}\n${b.description}`;
  return out;
}

/** A top-level union becomes one object: every branch's properties, required only where every branch requires it. */
function liftUnion(walk: Walk, root: JsonSchema): JsonSchema {
  const at: At = { pointer: '', refs: [], inItems: false };
  let node = root;
  if (Array.isArray(node.allOf)) node = mergeAll(walk, node, at).node;
  const key = Array.isArray(node.oneOf) ? 'oneOf' : Array.isArray(node.anyOf) ? 'anyOf' : undefined;
  if (!key) return node;
  const { [key]: rawBranches, ...base } = node;
  const branches = (rawBranches as unknown[]).map((raw) => {
    let branch = isObject(raw) ? raw : {};
    if (typeof branch.$ref === 'string') branch = inlineRef(walk, branch, at).node;
    if (Array.isArray(branch.allOf)) branch = mergeAll(walk, branch, at).node;
    return mergeTwo(branch, { ...base, description: undefined });
  });
  const properties: JsonSchema = { ...(isObject(base.properties) ? base.properties : {}) };
  for (const branch of branches) {
    for (const [name, schema] of Object.entries(isObject(branch.properties) ? branch.properties : {})) {
      if (!Object.hasOwn(properties, name)) setOwn(properties, name, schema);
      else if (JSON.stringify(properties[name]) !== JSON.stringify(schema)) setOwn(properties, name, { anyOf: [properties[name], schema] });
    }
  }
  const requiredOf = (b: JsonSchema) => (Array.isArray(b.required) ? (b.required as string[]) : []);
  const required = branches.length === 0 ? [] : requiredOf(branches[0]!).filter((name) => branches.every((b) => requiredOf(b).includes(name)));
  const forms = branches.map((b, i) => {
    const req = requiredOf(b);
    const label = typeof b.title === 'string' ? b.title : `form ${i + 1}`;
    return `${label}: ${req.length > 0 ? `give ${req.join(', ')}` : 'no required fields'}`;
  });
  const how = key === 'oneOf' ? 'exactly one' : 'at least one';
  note(walk, at, 'lifted-union', `top-level ${key} of ${branches.length} forms lifted into one object`);
  const { oneOf: _o, anyOf: _a, ...kept } = base;
  return {
    ...kept,
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    description: withNote(base.description, `Arguments match ${how} of these forms (the server checks which): ${forms.join('; ')}.`),
  };
}

/** The node's types without null, and whether null is allowed. */
function typesOf(node: JsonSchema): { types: string[]; nullable: boolean } {
  const raw = node.type;
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return { types: list.filter((t) => t !== 'null'), nullable: list.includes('null') || node.nullable === true };
}

function shapeNode(walk: Walk, input: unknown, at: At): { schema: JsonSchema; plan: RestorePlan | undefined } {
  const { rules } = walk;
  let node: JsonSchema = input === false ? { not: {} } : isObject(input) ? input : {};
  let refs = at.refs;
  if (rules.inlineRefs && typeof node.$ref === 'string') {
    ({ node, refs } = inlineRef(walk, node, at));
    at = { ...at, refs };
  }
  if (rules.mergeAllOf && Array.isArray(node.allOf)) ({ node } = mergeAll(walk, node, at));

  // A union with a null branch is "T or null": written in the profile's nullable style.
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = node[key];
    if (rules.nullable !== 'keep' && Array.isArray(branches) && branches.length === 2) {
      const nonNull = branches.filter((b) => !(isObject(b) && b.type === 'null'));
      if (nonNull.length === 1) {
        const { [key]: _u, ...rest } = node;
        let inner = isObject(nonNull[0]) ? nonNull[0] : {};
        if (rules.inlineRefs && typeof inner.$ref === 'string') ({ node: inner, refs } = inlineRef(walk, inner, { ...at, refs }));
        at = { ...at, refs };
        const { types } = typesOf(inner);
        node = { ...inner, ...rest, ...(types.length > 0 ? { type: [...types, 'null'] } : { nullable: true }) };
      }
    }
  }

  const reason = rules.jsonText(node, { inItems: at.inItems });
  if (reason !== undefined) {
    note(walk, at, 'json-text', `${reason}: the client sends it as JSON text, parsed back before validation`);
    const shape = compact(stripDocs(node));
    return {
      schema: { type: 'string', description: withNote(node.description, `JSON text of a value matching ${shape}.`) },
      plan: { json: true },
    };
  }

  const out: JsonSchema = {};
  const notes: string[] = [];
  let plan: RestorePlan | undefined;
  if (typeof node.title === 'string') out.title = node.title;

  // Type and nullability.
  const { types, nullable } = typesOf(node);
  if (types.length > 0 || nullable) {
    const single = types.length === 0 ? undefined : types.length === 1 ? types[0] : types;
    if (nullable && rules.nullable === 'type-array') {
      if (types.length > 0) out.type = [...types, 'null'];
    } else if (nullable && rules.nullable === 'keyword') {
      // `nullable` needs a `type` beside it (OpenAPI 3.0); without one, the description says it.
      if (single !== undefined) {
        out.type = single;
        out.nullable = true;
      } else notes.push('May be null.');
    } else if (nullable && rules.nullable === 'drop') {
      if (single !== undefined) out.type = single;
      notes.push('May be null.');
      note(walk, at, 'nullable', 'null allowed: said in the description (the client rejects nullable unions)');
    } else if (nullable && node.nullable === true) {
      if (single !== undefined) out.type = single;
      out.nullable = true;
    } else out.type = node.type;
  }
  // An object written without its type (properties only) gets it: clients type every node.
  if (out.type === undefined && isObject(node.properties) && !Array.isArray(node.anyOf) && !Array.isArray(node.oneOf)) out.type = 'object';

  // Enumerations.
  for (const key of ['enum', 'const'] as const) {
    if (!(key in node)) continue;
    const values = key === 'enum' ? (Array.isArray(node.enum) ? node.enum : []) : [node.const];
    const nonString = values.some((v) => typeof v !== 'string');
    if (rules.stringEnums && (nonString || key === 'const')) {
      const enumValues: Record<string, unknown> = {};
      for (const v of values) if (v !== null) enumValues[typeof v === 'string' ? v : JSON.stringify(v)] = v;
      out.type = 'string';
      out.enum = Object.keys(enumValues);
      if (values.includes(null)) out.nullable = true;
      if (nonString) {
        plan = { ...plan, enumValues };
        note(walk, at, 'enum-as-string', `${key} values ${compact(values)} written as strings, mapped back before validation`);
      }
    } else {
      out[key] = node[key];
      // Gemini-style enums need their type; a string-only enumeration without one is a string.
      if (rules.stringEnums && out.type === undefined) out.type = 'string';
      // Strict mode types every node: the type of the listed values.
      if (rules.strict && out.type === undefined) {
        const kinds = [...new Set(values.map((v) => (v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : typeof v)))];
        out.type = kinds.length === 1 ? kinds[0] : kinds.includes('number') ? kinds.filter((k) => k !== 'integer') : kinds;
      }
    }
  }

  // Objects.
  if (isObject(node.properties)) {
    const properties: JsonSchema = {};
    const planned: Record<string, RestorePlan> = {};
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    const dropNull: string[] = [];
    for (const [name, sub] of Object.entries(node.properties)) {
      const child = shapeNode(walk, sub, { pointer: `${at.pointer}/properties/${esc(name)}`, refs, inItems: false });
      let schema = child.schema;
      if (rules.strict && !required.has(name)) {
        schema = makeNullable(schema);
        if (!acceptsNull(sub, walk)) dropNull.push(name);
      }
      setOwn(properties, name, schema);
      if (child.plan) setOwn(planned, name, child.plan);
    }
    out.properties = properties;
    if (rules.strict) {
      out.required = Object.keys(properties);
      if (dropNull.length > 0) {
        plan = { ...plan, dropNull };
        note(walk, at, 'nullable', `optional ${dropNull.join(', ')} written as required and nullable; null means absent`);
      }
    } else if (required.size > 0) out.required = [...required];
    if (Object.keys(planned).length > 0) plan = { ...plan, properties: planned };
  } else if (Array.isArray(node.required) && node.required.length > 0) out.required = node.required;
  const isObjectNode = types.includes('object') || out.type === 'object';
  if ('additionalProperties' in node || (rules.strict && isObjectNode)) {
    const extra = node.additionalProperties;
    if (rules.strict) {
      out.additionalProperties = false;
      if (extra !== false) note(walk, at, 'closed-object', 'object closed (additionalProperties: false), as strict mode requires');
      if (isObject(extra) || extra === true || extra === undefined) {
        if (isObject(node.properties) && extra !== undefined) notes.push('Other properties are accepted too.');
      }
    } else if (rules.keywords && !rules.keywords.has('additionalProperties')) {
      if (extra === false) notes.push('No other properties.');
      else if (isObject(extra) && Object.keys(extra).length > 0) notes.push(`Other properties: ${compact(extra)}.`);
      if (extra !== true && !(isObject(extra) && Object.keys(extra).length === 0)) note(walk, at, 'moved-to-description', 'additionalProperties moved into the description');
    } else if (isObject(extra)) {
      const child = shapeNode(walk, extra, { pointer: `${at.pointer}/additionalProperties`, refs, inItems: false });
      out.additionalProperties = child.schema;
      if (child.plan) plan = { ...plan, additional: child.plan };
    } else out.additionalProperties = extra;
  }

  // Arrays.
  if (Array.isArray(node.prefixItems) || Array.isArray(node.items)) {
    // Tuples keep the keyword they were written with (prefixItems, or draft-07 items as an array).
    const key = Array.isArray(node.prefixItems) ? 'prefixItems' : 'items';
    out[key] = (node[key] as unknown[]).map((sub, i) => shapeNode(walk, sub, { pointer: `${at.pointer}/${key}/${i}`, refs, inItems: true }).schema);
    if (key === 'prefixItems' && (isObject(node.items) || node.items === false)) {
      out.items = isObject(node.items) ? shapeNode(walk, node.items, { pointer: `${at.pointer}/items`, refs, inItems: true }).schema : false;
    }
  } else if (node.items !== undefined) {
    const child = shapeNode(walk, node.items, { pointer: `${at.pointer}/items`, refs, inItems: true });
    out.items = child.schema;
    if (child.plan) plan = { ...plan, items: child.plan };
  } else if (rules.arrayItems && types.includes('array')) {
    out.items = {};
    note(walk, at, 'dropped', 'array without items: items {} added');
  }

  // Unions.
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = node[key];
    if (!Array.isArray(branches)) continue;
    const shaped = branches.map((b, i) => shapeNode(walk, b, { pointer: `${at.pointer}/${key}/${i}`, refs, inItems: at.inItems }));
    const target = key === 'oneOf' && rules.oneOfAsAnyOf ? 'anyOf' : key;
    if (target !== key) {
      notes.push('Exactly one of the alternatives must match.');
      note(walk, at, 'moved-to-description', 'oneOf written as anyOf; "exactly one" is in the description');
    }
    out[target] = shaped.map((s) => s.schema);
    for (const s of shaped) if (s.plan) plan = mergePlans(plan, s.plan);
  }
  if (Array.isArray(node.allOf)) {
    out.allOf = node.allOf.map((b, i) => shapeNode(walk, b, { pointer: `${at.pointer}/allOf/${i}`, refs, inItems: at.inItems }).schema);
  }

  // Format.
  if (typeof node.format === 'string') {
    const allowed = rules.formats;
    const fits = allowed === undefined || types.some((t) => allowed[t]?.has(node.format as string));
    if (fits) out.format = node.format;
    else {
      notes.push(`Format: ${node.format}.`);
      note(walk, at, 'moved-to-description', `format ${node.format} moved into the description`);
    }
  }

  // Every other keyword: kept (subschemas shaped) when the client takes it, else described.
  for (const [key, value] of Object.entries(node)) {
    if (STRUCTURAL.has(key)) continue;
    if (LOCATORS.has(key)) {
      if (!rules.inlineRefs && key !== '$dynamicAnchor') out[key] = value;
      continue;
    }
    if (key === '$dynamicRef' || key === '$recursiveRef') {
      if (rules.keywords === undefined && !rules.inlineRefs) out[key] = value;
      else {
        notes.push('Nested structure of the same shape (recursive).');
        note(walk, at, 'dropped', `${key} dropped (the client does not resolve it); the server checks it`);
      }
      continue;
    }
    if (key.startsWith('x-')) {
      if (rules.keywords === undefined) out[key] = value;
      continue;
    }
    if (rules.keywords === undefined || rules.keywords.has(key)) {
      if (ONE_SUBSCHEMA.has(key)) out[key] = shapeNode(walk, value, { pointer: `${at.pointer}/${key}`, refs, inItems: false }).schema;
      else if (MAP_OF_SUBSCHEMAS.has(key) && isObject(value)) {
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeNode(walk, v, { pointer: `${at.pointer}/${key}/${esc(k)}`, refs, inItems: false }).schema]));
      } else setOwn(out, key, value);
      continue;
    }
    if (key === 'default' || key === 'examples' || key === 'example' || key === 'readOnly' || key === 'writeOnly' || key === 'deprecated') {
      if (key === 'default') notes.push(`Default: ${compact(value)}.`);
      continue;
    }
    notes.push(`${key}: ${compact(value)}.`);
    note(walk, at, 'moved-to-description', `${key} moved into the description`);
  }

  const description = notes.length > 0 ? withNote(node.description, `(${notes.join(' ')})`) : node.description;
  if (typeof description === 'string') out.description = description;
  return { schema: orderKeys(out), plan };
}

/** Title and description first, as written schemas usually read. */
function orderKeys(schema: JsonSchema): JsonSchema {
  const { title, description, type, ...rest } = schema;
  return { ...(title === undefined ? {} : { title }), ...(description === undefined ? {} : { description }), ...(type === undefined ? {} : { type }), ...rest };
}

function stripDocs(node: JsonSchema): JsonSchema {
  const { description: _d, title: _t, examples: _e, example: _x, ...rest } = node;
  return rest;
}

function makeNullable(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (typeof type === 'string') return type === 'null' ? schema : { ...schema, type: [type, 'null'], ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) };
  if (Array.isArray(type)) return type.includes('null') ? schema : { ...schema, type: [...type, 'null'] };
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  return { anyOf: [schema, { type: 'null' }] };
}

/** Whether the full schema of a property takes null (then a null the client sends is kept). */
function acceptsNull(schema: unknown, walk: Walk): boolean {
  let node = isObject(schema) ? schema : {};
  for (let hops = 0; typeof node.$ref === 'string' && hops < 8; hops++) {
    const target = resolvePointer(walk.root, node.$ref);
    node = isObject(target) ? target : {};
  }
  if (Object.keys(node).length === 0) return true;
  if (typesOf(node).nullable) return true;
  if (Array.isArray(node.enum) && node.enum.includes(null)) return true;
  if ('const' in node && node.const === null) return true;
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(node[key]) && (node[key] as unknown[]).some((b) => acceptsNull(b, walk))) return true;
  }
  return false;
}

function mergePlans(a: RestorePlan | undefined, b: RestorePlan): RestorePlan {
  if (!a) return b;
  const out: RestorePlan = { ...a, ...b };
  if (a.properties && b.properties) {
    out.properties = { ...a.properties };
    for (const [k, v] of Object.entries(b.properties)) setOwn(out.properties, k, Object.hasOwn(out.properties, k) ? mergePlans(out.properties[k], v) : v);
  }
  if (a.items && b.items) out.items = mergePlans(a.items, b.items);
  if (a.additional && b.additional) out.additional = mergePlans(a.additional, b.additional);
  if (a.dropNull && b.dropNull) out.dropNull = [...new Set([...a.dropNull, ...b.dropNull])];
  if (a.enumValues && b.enumValues) out.enumValues = { ...a.enumValues, ...b.enumValues };
  return out;
}

/**
 * The arguments a client sent under a profile, mapped back for validation against the full schema.
 * Values the plan does not cover are returned as sent; the input is not modified.
 */
export function restoreArguments(plan: RestorePlan | undefined, value: unknown): unknown {
  if (!plan) return value;
  if (plan.json && typeof value === 'string') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  if (plan.enumValues && typeof value === 'string' && Object.hasOwn(plan.enumValues, value)) return plan.enumValues[value];
  if (Array.isArray(value)) return plan.items ? value.map((v) => restoreArguments(plan.items, v)) : value;
  if (isObject(value) && (plan.properties || plan.dropNull || plan.additional)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === null && plan.dropNull?.includes(key)) continue;
      const sub = plan.properties && Object.hasOwn(plan.properties, key) ? plan.properties[key] : plan.additional;
      setOwn(out, key, restoreArguments(sub, v));
    }
    return out;
  }
  return value;
}
