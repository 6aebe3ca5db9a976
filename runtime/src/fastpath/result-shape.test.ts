import { isCallToolResult } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { isPlainTextResult, isToolResultShape } from './result-shape.js';

const text = (t: unknown) => ({ type: 'text', text: t });

/** [label, value, whether the shortcut must take it]: the shortcut's cases and its near misses. */
const CASES: Array<[string, unknown, boolean]> = [
  ['one text block', { content: [text('5')] }, true],
  ['several text blocks, isError', { content: [text('a'), text('')], isError: true }, true],
  ['isError false, structuredContent', { content: [text('{}')], isError: false, structuredContent: { a: 1 } }, true],
  ['no blocks', { content: [] }, true],
  ['a block with an extra key (zod strips it)', { content: [{ type: 'text', text: 'x', extra: 1 }] }, true],
  ['a result with an extra key (loose)', { content: [text('x')], other: 1 }, true],
  ['_meta on the result', { content: [text('x')], _meta: { a: 1 } }, false],
  ['_meta that is not an object', { content: [text('x')], _meta: 5 }, false],
  ['annotations on a block', { content: [{ ...text('x'), annotations: { priority: 0.5 } }] }, false],
  ['annotations out of range', { content: [{ ...text('x'), annotations: { priority: 7 } }] }, false],
  ['_meta on a block', { content: [{ ...text('x'), _meta: { a: 1 } }] }, false],
  ['an image block', { content: [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }] }, false],
  ['text that is a number', { content: [text(5)] }, false],
  ['a block of another type with text', { content: [{ type: 'txt', text: 'x' }] }, false],
  ['a null block', { content: [null] }, false],
  ['an array block', { content: [['text', 'x']] }, false],
  ['a hole in content', { content: [text('a'), , text('b')] }, false],
  ['content not an array', { content: text('x') }, false],
  ['no content', { isError: true }, false],
  ['isError a string', { content: [text('x')], isError: 'yes' }, false],
  ['an array with content', Object.assign([text('x')], { content: [text('x')] }), false],
  ['a string', 'x', false],
  ['null', null, false],
  ['undefined', undefined, false],
];

describe('isToolResultShape', () => {
  it.each(CASES)('%s: same verdict as the SDK', (_label, value) => {
    expect(isToolResultShape(value)).toBe(isCallToolResult(value));
  });

  it.each(CASES)('%s: the shortcut takes only results the SDK accepts', (_label, value, shortcut) => {
    expect(isPlainTextResult(value)).toBe(shortcut);
    if (shortcut) expect(isCallToolResult(value)).toBe(true);
  });
});
