import { startServer } from '@mcpforge/runtime/start';
import { manifest } from './generated/manifest.js';

// The handlers (and their validators) load after the server has answered its first request.
const modules = () => import('./generated/handlers.js').then((m) => m.modules);

// Flags and environment: run `node dist/server.js --help`.
await startServer({ manifest, modules, projectRoot: new URL('..', import.meta.url) });
