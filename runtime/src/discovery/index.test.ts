import { describe, expect, it } from 'vitest';
import { createToolSearch, summary } from './index.js';

const tools = [
  { name: 'pulls_list', description: 'List pull requests. Lists pull requests in a repository.', inputSchema: { type: 'object', properties: { owner: {}, repo: {}, state: {} } } },
  { name: 'issues_create', description: 'Create an issue.', inputSchema: { type: 'object', properties: { owner: {}, repo: {}, title: {} } } },
  { name: 'repos_get_content', title: 'Get repository content', description: 'Gets the contents of a file or directory.', inputSchema: { type: 'object', properties: { path: {} } } },
  { name: 'admin_delete_user', description: 'Delete a user.', inputSchema: { type: 'object', properties: { username: {} } } },
];

describe('tool search (BM25)', () => {
  const search = createToolSearch(tools);
  it('ranks by name, title, description and parameter names', () => {
    expect(search.search('list pull requests')[0]!.name).toBe('pulls_list');
    expect(search.search('open an issue with a title')[0]!.name).toBe('issues_create');
    expect(search.search('read a file')[0]!.name).toBe('repos_get_content');
    expect(search.search('username')[0]!.name).toBe('admin_delete_user');
  });

  it('leaves out tools the caller may not use, and honours the limit', () => {
    const hits = search.search('delete user pull issue', { allowed: (name) => !name.startsWith('admin_') });
    expect(hits.map((h) => h.name)).not.toContain('admin_delete_user');
    expect(search.search('repo', { limit: 1 })).toHaveLength(1);
  });

  it('shows the first sentence of long descriptions', () => {
    expect(summary('List pull requests. Lists pull requests in a repository.')).toBe('List pull requests.');
    expect(summary('x'.repeat(300))).toHaveLength(200);
  });
});
