import { ToolError } from '@mcpforge/runtime';
import { defineTool } from '../generated/registry.js';
import { openInRoot } from '../files/sandbox.js';

export default defineTool('read_file', async (input) => {
  const maxBytes = input.maxBytes ?? 65_536;
  const handle = await openInRoot(input.path);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ToolError(`"${input.path}" is not a file. Use list_files to see a folder.`);
    const buffer = Buffer.alloc(Math.min(maxBytes, info.size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    return info.size > bytesRead ? `${text}\n[truncated: ${info.size - bytesRead} more bytes; raise maxBytes to read more]` : text;
  } finally {
    await handle.close();
  }
});
