import { describe, expect, it } from 'vitest';
import { PAGE_CURSOR_PREFIX, pageCursor, pageCursorIn, pageOf } from './pages.js';

const ID = '00000000-0000-4000-8000-000000000001';
const nested = { cursor: 'after', items: '/data/rows', nextCursor: '/data/next' };
const full = { total: 50, data: { rows: Array.from({ length: 50 }, (_, i) => ({ i, pad: 'x'.repeat(40) })) } };

describe('pageOf', () => {
  it('slices the array at a nested pointer, so that following the cursors yields every item once', () => {
    const seen: number[] = [];
    let offset = 0;
    for (let pages = 0; pages < 50; pages++) {
      const page = pageOf(full, nested, ID, offset, 400, () => true)!;
      expect(JSON.stringify(page.value).length).toBeLessThanOrEqual(400);
      const data = page.value.data as { rows: Array<{ i: number }>; next?: string };
      seen.push(...data.rows.map((r) => r.i));
      expect(page.value.total).toBe(50);
      if (!page.next) {
        // The tool had no cursor of its own: the last page has none either.
        expect('next' in data).toBe(false);
        break;
      }
      expect(data.next).toBe(page.next);
      offset = pageCursorIn(nested, { after: page.next })!.offset;
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('always advances by at least one item, and hands back the tool\'s own cursor on the last page', () => {
    const withOwn = { data: { rows: [{ big: 'y'.repeat(1000) }, { big: 'z' }], next: 'own' } };
    const first = pageOf(withOwn, nested, ID, 0, 100, () => true)!;
    expect((first.value.data as { rows: unknown[] }).rows).toHaveLength(1);
    const last = pageOf(withOwn, nested, ID, 1, 100, () => true)!;
    expect(last.next).toBeUndefined();
    expect((last.value.data as { next: string }).next).toBe('own');
  });

  it('refuses a page the output schema rejects', () => {
    expect(pageOf(full, nested, ID, 0, 400, () => false)).toBeUndefined();
  });
});

describe('pageCursorIn', () => {
  it('reads runtime cursors only; a malformed one is flagged, the tool\'s own pass through', () => {
    expect(pageCursorIn(nested, { after: pageCursor(ID, 12) })).toEqual({ id: ID, offset: 12 });
    expect(pageCursorIn(nested, { after: `${PAGE_CURSOR_PREFIX}nope` })).toEqual({ id: '', offset: -1 });
    expect(pageCursorIn(nested, { after: 'own-2' })).toBeUndefined();
    expect(pageCursorIn(nested, {})).toBeUndefined();
  });
});
