/**
 * `kind: files`: the files under a root folder that match a glob, one resource each, read through
 * the `fs-sandbox` module exactly like the files example (no `..`, no symlink out of the root, no
 * encoded tricks), with the MIME type taken from the file name and change notifications from one
 * recursive `fs.watch` per resource, open only while someone is subscribed.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UriTemplate, type ReadResourceResult } from '@modelcontextprotocol/server';
import mime from 'mime-types';
import picomatch from 'picomatch';
import { DEFAULT_MAX_READ_BYTES, createSandbox, type Sandbox } from '../fs-sandbox/index.js';
import { ErrorCode, ToolError } from '../errors/index.js';
import type { ResourceListing, ResourceManifestEntry } from '../server/contract.js';
import { decodeVariable, type DeclarativeResource, type DeclarativeOptions } from './shared.js';

type FilesSource = Extract<NonNullable<ResourceManifestEntry['source']>, { kind: 'files' }>;

/** Most files one `resources/list` shows from one resource: a bound on a huge folder. */
export const MAX_LISTED_FILES = 5_000;

/** MIME types served as text; anything else is served as a base64 blob. */
function isText(type: string): boolean {
  return type.startsWith('text/') || /[/+](json|xml|yaml|javascript|ecmascript|x-sh|toml|csv|markdown)$/.test(type) || type === 'application/x-yaml';
}

export function filesResource(entry: ResourceManifestEntry, source: FilesSource, options: DeclarativeOptions): DeclarativeResource {
  const variable = entry.variables[0]!;
  const template = new UriTemplate(entry.uri);
  const rootPath = isAbsolute(source.root) ? source.root : resolve(options.projectRoot, source.root);
  const matches = picomatch(source.glob ?? '**/*', { dot: false });
  const maxBytes = source.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  let sandbox: Sandbox | undefined;
  // Created on first use: a root that does not exist yet is the read's error, not the server's start.
  const box = () => (sandbox ??= createSandbox(rootPath));

  function uriOf(path: string): string {
    return template.expand({ [variable]: path });
  }

  function notFound(path: string): ToolError {
    return new ToolError(`No file "${path}" in resource "${entry.name}"; list the resources to see which files it serves.`, { code: ErrorCode.NotFound });
  }

  async function read(params: Record<string, unknown>): Promise<ReadResourceResult> {
    const path = decodeVariable(params[variable], variable);
    // The glob is part of the sandbox: a file it does not match is not served, whatever exists.
    if (!matches(path)) throw notFound(path);
    const handle = await box()
      .open(path)
      .catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') throw notFound(path);
        throw error;
      });
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw notFound(path);
      if (stat.size > maxBytes) throw new ToolError(`File "${path}" is ${stat.size} bytes, over this resource's limit of ${maxBytes}.`, { code: ErrorCode.ToolFailed });
      const bytes = await handle.readFile();
      const mimeType = entry.mimeType ?? (mime.lookup(path) || 'application/octet-stream');
      const uri = uriOf(path);
      return { contents: [isText(mimeType) ? { uri, mimeType, text: bytes.toString('utf8') } : { uri, mimeType, blob: bytes.toString('base64') }] };
    } finally {
      await handle.close();
    }
  }

  async function list(): Promise<ResourceListing[]> {
    const root = box().root;
    const found: ResourceListing[] = [];
    // Symlinks are not followed while walking (readdir reports them as links): a link out of the
    // root is never listed, and one inside is reached through its real path anyway.
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    for (const dirent of entries) {
      if (!dirent.isFile()) continue;
      const path = relative(root, resolve(dirent.parentPath, dirent.name)).split(sep).join('/');
      if (!matches(path)) continue;
      found.push({ uri: uriOf(path), name: path, mimeType: entry.mimeType ?? (mime.lookup(path) || 'application/octet-stream') });
      if (found.length >= MAX_LISTED_FILES) break;
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // One watcher for the whole resource while any of its URIs has a subscriber.
  let watcher: FSWatcher | undefined;
  const subscribed = new Set<string>();
  function watchRoot(): void {
    if (watcher) return;
    try {
      watcher = watch(box().root, { recursive: true, persistent: false }, (_event, filename) => {
        if (!filename) return;
        const path = filename.toString().split(sep).join('/');
        if (!matches(path)) return;
        const uri = uriOf(path);
        if (subscribed.has(uri)) void options.updated(uri);
      });
      watcher.on('error', (error) => {
        watcher = undefined;
        options.logger.warn({ err: error, resource: entry.name }, 'file watcher failed; change notifications stop until the next subscription');
      });
    } catch (error) {
      options.logger.warn({ err: error, resource: entry.name }, 'cannot watch the resource root; subscriptions get no change notifications');
    }
  }

  return {
    read,
    list,
    subscription(uri, on) {
      if (on) {
        subscribed.add(uri);
        watchRoot();
      } else {
        subscribed.delete(uri);
        if (subscribed.size === 0) {
          watcher?.close();
          watcher = undefined;
        }
      }
    },
    close() {
      watcher?.close();
      watcher = undefined;
    },
  };
}
