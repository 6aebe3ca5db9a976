import { defineTool } from '../generated/registry.js';
import { watched } from '../resources/watched_resource.js';

const URI = 'test://watched-resource';

// Subscribers (resources/subscribe on a stdio connection or an HTTP session) get notifications/resources/updated.
export default defineTool('touch_watched_resource', async (_input, ctx) => {
  watched.version++;
  await ctx.resources.updated(URI);
  return `${URI} is now version ${watched.version}; ${ctx.resources.subscribers(URI)} subscriber(s) notified.`;
});
