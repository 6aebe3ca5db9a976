import { describe, expect, it } from 'vitest';
import { fitDescription, tidyDescription, tidySchemaDescriptions } from './describe.js';

describe('imported descriptions', () => {
  it('keeps link text and drops further-reading sentences', () => {
    expect(tidyDescription('The number of results per page (max 100). For more information, see "[Using pagination in the REST API](https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api)."')).toBe('The number of results per page (max 100).');
    expect(tidyDescription('A cursor, as given in the [Link header](https://docs.github.com/rest/guides/x). If specified, the query only searches for events after this cursor.')).toBe('A cursor, as given in the Link header. If specified, the query only searches for events after this cursor.');
    expect(tidyDescription('See [the guide](/docs/guide) first.\n\n  Then   call it.')).toBe('See the guide first. Then call it.');
    expect(tidyDescription('set when you [Create\nor update a secret](https://x.test/a#b).')).toBe('set when you Create or update a secret.');
    expect(tidyDescription('> [!NOTE]\n> This endpoint is in public preview.')).toBe('Note: This endpoint is in public preview.');
    // Not a link to somewhere (no URL): left as written.
    expect(tidyDescription('Use [owner]/[repo] form.')).toBe('Use [owner]/[repo] form.');
  });

  it('fits whole sentences into the budget, and cuts a long first sentence at a word', () => {
    expect(fitDescription('One. Two two. Three three three.', 14)).toBe('One. Two two.');
    expect(fitDescription('Short.', 14)).toBe('Short.');
    const cut = fitDescription('a very long first sentence without any stop at all in it', 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect(cut).toBe('a very long first …');
    expect(fitDescription('x'.repeat(50), 0)).toHaveLength(50);
  });

  it('rewrites schema descriptions only, never data or property names', () => {
    const schema = {
      type: 'object',
      description: 'Root. For more information, see [docs](https://x.test/a).',
      properties: { description: { type: 'string', description: 'The [body](https://x.test/b).', default: 'see [x](https://x.test/c)' } },
      examples: [{ description: 'see [x](https://x.test/d)' }],
    };
    const out = tidySchemaDescriptions(schema, 200);
    expect(out.description).toBe('Root.');
    expect(out.properties.description.description).toBe('The body.');
    expect(out.properties.description.default).toBe('see [x](https://x.test/c)');
    expect(out.examples).toEqual(schema.examples);
  });
});
