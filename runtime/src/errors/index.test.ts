import { describe, expect, it } from 'vitest';
import { ErrorCode, ToolError, internalErrorMessage, isToolError, mapError } from './index.js';

describe('errors', () => {
  it('ToolError carries message, code and data', () => {
    const error = new ToolError('nope', { data: { id: 1 }, code: ErrorCode.NotFound });
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('nope');
    expect(error.code).toBe('not_found');
    expect(error.data).toEqual({ id: 1 });
    expect(new ToolError('x').code).toBe(ErrorCode.ToolFailed);
  });

  it('recognises a ToolError from another copy of the package by name and shape', () => {
    const foreign = Object.assign(new Error('other copy'), { name: 'ToolError', code: 'tool_failed' });
    expect(isToolError(foreign)).toBe(true);
    expect(isToolError(new Error('plain'))).toBe(false);
    expect(isToolError('ToolError')).toBe(false);
  });

  it('maps unexpected errors to a message that holds only the request id', () => {
    const mapped = mapError(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=x'), 'req-1');
    expect(mapped).toEqual({ message: internalErrorMessage('req-1'), code: ErrorCode.Internal, expected: false });
    expect(mapped.message).toBe('Internal error (request id req-1)');
    expect(mapError(new ToolError('shown', { data: 1 }), 'r')).toEqual({ message: 'shown', code: 'tool_failed', data: 1, expected: true });
  });
});
