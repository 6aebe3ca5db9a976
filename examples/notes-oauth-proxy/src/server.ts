import { runServer } from '@mcpforge/runtime';
import { modules } from './generated/handlers.js';
import { manifest } from './generated/manifest.js';

// Flags and environment: run `node dist/server.js --help`.
await runServer({ manifest, modules, projectRoot: new URL('..', import.meta.url) });
