import { startServer } from '@mcpforge/runtime/start';
import { modules } from './generated/handlers.js';
import { manifest } from './generated/manifest.js';

// Flags and environment: run `node dist/server.js --help`.
await startServer({ manifest, modules, projectRoot: new URL('..', import.meta.url) });
