/**
 * A manifest with schemas every profile has to change, and per profile: what its tools/list must
 * show and the arguments a model would send through the shaped schema, with the arguments the
 * handler must receive after the server maps them back. Used by serve.test.ts.
 */
export const manifest = {
  name: 'shapes',
  version: '0.1.0',
  layout: 'dev',
  transports: ['stdio', 'http', 'websocket'],
  tools: {
    search: {
      name: 'search',
      description: 'Searches things',
      inputSchema: {
        type: 'object',
        $defs: { tag: { type: 'string', minLength: 1 } },
        properties: {
          query: { type: 'string', pattern: '^[a-z ]+$' },
          limit: { type: 'integer', minimum: 1 },
          level: { enum: [1, 2, 3] },
          tags: { type: 'array', items: { $ref: '#/$defs/tag' } },
          filters: { type: 'object', additionalProperties: { type: 'string' } },
          since: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
        },
        required: ['query'],
        additionalProperties: false,
      },
    },
    lookup: {
      name: 'lookup',
      description: 'Looks one thing up by id or by name',
      inputSchema: {
        type: 'object',
        oneOf: [
          { title: 'by id', properties: { id: { type: 'integer' } }, required: ['id'] },
          { title: 'by name', properties: { name: { type: 'string' } }, required: ['name'] },
        ],
      },
    },
  },
  resources: {},
  prompts: {},
} as const;

type Args = Record<string, unknown>;
export interface ProfileCase {
  clientName: string;
  /** Checks on the listed schemas (throws on a mismatch). */
  shows: (tools: Record<string, Args>) => void;
  /** [tool, what the model sends, what the handler must receive]. */
  calls: Array<[string, Args, Args]>;
}

const props = (s: Args) => s.properties as Record<string, Args>;
/** Every keyword used anywhere in a schema (keys of `properties` maps excluded). */
function keywords(node: unknown, into = new Set<string>(), inMap = false): Set<string> {
  if (Array.isArray(node)) for (const v of node) keywords(v, into);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (!inMap) into.add(k);
      keywords(v, into, !inMap && (k === 'properties' || k === '$defs' || k === 'patternProperties'));
    }
  }
  return into;
}
/** JSON with sorted keys: equal schemas compare equal whatever the key order. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) : value));
const expectThat = (ok: boolean, what: string) => {
  if (!ok) throw new Error(what);
};

export const CASES: Record<string, ProfileCase> = {
  full: {
    clientName: 'some-other-client',
    shows: (t) => expectThat(canonical(t.search) === canonical(manifest.tools.search.inputSchema), `full shows the schema as written, got ${JSON.stringify(t.search)}`),
    calls: [['search', { query: 'cats', level: 2 }, { query: 'cats', level: 2 }]],
  },
  claude: {
    clientName: 'claude-code',
    shows: (t) => {
      expectThat(t.lookup!.oneOf === undefined && t.lookup!.type === 'object', 'claude: no top-level oneOf');
      expectThat(Object.keys(props(t.lookup!)).join() === 'id,name', 'claude: lifted properties');
    },
    calls: [
      ['lookup', { id: 7 }, { id: 7 }],
      ['search', { query: 'cats', tags: ['a'], since: null }, { query: 'cats', tags: ['a'], since: null }],
    ],
  },
  'openai-strict': {
    clientName: 'codex-mcp-client',
    shows: (t) => {
      const s = t.search!;
      expectThat(s.additionalProperties === false, 'strict: closed');
      expectThat(JSON.stringify(s.required) === JSON.stringify(Object.keys(props(s))), 'strict: all required');
      expectThat(JSON.stringify(props(s).limit!.type) === '["integer","null"]', 'strict: optional → nullable');
      expectThat(props(s).filters!.type !== 'object', 'strict: free-form map is not an object');
    },
    calls: [
      ['search', { query: 'cats', limit: null, level: 3, tags: null, filters: '{"kind":"pet"}', since: null }, { query: 'cats', level: 3, filters: { kind: 'pet' }, since: null }],
      ['lookup', { id: null, name: 'tom' }, { name: 'tom' }],
    ],
  },
  gemini: {
    clientName: 'gemini-cli-mcp-client',
    shows: (t) => {
      const s = t.search!;
      expectThat(JSON.stringify(props(s).level!.enum) === '["1","2","3"]', 'gemini: enum as strings');
      const used = keywords(s);
      expectThat(!used.has('$ref') && !used.has('additionalProperties') && !used.has('$defs'), `gemini: no $ref, $defs or additionalProperties in ${JSON.stringify(s)}`);
      expectThat(props(s).since!.nullable === true && props(s).since!.type === 'string', 'gemini: nullable keyword');
    },
    calls: [['search', { query: 'cats', level: '2', filters: '{"a":"b"}' }, { query: 'cats', level: 2, filters: { a: 'b' } }]],
  },
  vscode: {
    clientName: 'Visual Studio Code',
    shows: (t) => {
      expectThat(!keywords(t.search).has('$ref'), 'vscode: refs inlined');
      expectThat(t.lookup!.oneOf === undefined, 'vscode: no top-level oneOf');
    },
    calls: [['search', { query: 'dogs', tags: ['x', 'y'] }, { query: 'dogs', tags: ['x', 'y'] }]],
  },
  cursor: {
    clientName: 'cursor-vscode',
    shows: (t) => {
      const since = props(t.search!).since!;
      expectThat(since.anyOf === undefined && since.type === 'string', 'cursor: no anyOf [T, null]');
    },
    calls: [['search', { query: 'dogs', since: '2026-01-01T00:00:00Z' }, { query: 'dogs', since: '2026-01-01T00:00:00Z' }]],
  },
};
