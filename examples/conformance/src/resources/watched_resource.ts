import { defineResource } from '../generated/registry.js';

/** Bumped by the touch_watched_resource tool, which then notifies subscribers (ctx.resources.updated). */
export const watched = { version: 1 };

export default defineResource('watched_resource', { read: () => `Watched resource, version ${watched.version}.` });
