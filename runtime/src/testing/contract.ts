/**
 * What the generated contract tests (`test/tools.contract.test.ts`) call: an in-memory client
 * whose tool calls come back classified (ok, tool error, rejected input, output that broke the
 * output schema, internal error), and a verdict on a call's output. The runtime hides a bad
 * output from clients behind a generic internal error (it is a server bug, not the caller's);
 * here the log line it writes is read back so the test can name the tool and the field.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { ErrorCode } from '../errors/index.js';
import { createLogger } from '../observability/index.js';
import type { CompiledValidator } from '../server/contract.js';
import { formatValidationErrors } from '../validation/index.js';
import { createTestClient, type TestClient, type TestClientOptions } from './test-client.js';

export type ToolCallOutcome =
  /** The call succeeded; `structuredContent` is present when the tool has an output schema. */
  | { kind: 'ok'; result: CallToolResult; structuredContent?: Record<string, unknown> }
  /** The handler threw a `ToolError`: an answer the tool chose to give. */
  | { kind: 'tool-error'; message: string; code: string }
  /** The server rejected the arguments before the handler ran (the message names the pointer). */
  | { kind: 'invalid-input'; message: string }
  /** The handler returned output its output schema forbids: `problems` lists `<pointer> <rule>`. */
  | { kind: 'invalid-output'; problems: string }
  /** The handler threw something else (a bug, or a missing service): the logged error. */
  | { kind: 'internal-error'; message: string };

export interface ContractClient extends TestClient {
  /** Calls a tool through the real call path and classifies the result. */
  call(name: string, args: unknown): Promise<ToolCallOutcome>;
}

export type ContractClientOptions = Omit<TestClientOptions, 'logger' | 'logLevel'>;

interface LogRecord {
  level: number;
  msg?: string;
  code?: string;
  problems?: string;
  err?: { message?: string };
}

export async function createContractClient(options: ContractClientOptions): Promise<ContractClient> {
  let records: LogRecord[] = [];
  // Only errors matter here; the lines are read back, never printed.
  const destination = {
    write(line: string) {
      try {
        records.push(JSON.parse(line) as LogRecord);
      } catch {
        // Not a JSON line: nothing to classify.
      }
    },
  };
  const logger = createLogger({ level: 'error', destination });
  // Tools that ask the client for input get the answers of a cautious user: elicitations are
  // declined, sampling returns a fixed text, no roots. The handler then runs to its end, so its
  // output can still be checked against the output schema.
  const test = await createTestClient({
    ...options,
    logger,
    capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
    setup(client) {
      client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
      client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'contract test' }, model: 'mcpforge-contract-test' }));
      client.setRequestHandler('roots/list', async () => ({ roots: [] }));
    },
  });
  return {
    ...test,
    async call(name, args) {
      records = [];
      const result = (await test.client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult;
      return classify(result, records);
    },
  };
}

function classify(result: CallToolResult, records: LogRecord[]): ToolCallOutcome {
  const text = result.content
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('\n');
  if (!result.isError) {
    return { kind: 'ok', result, ...(result.structuredContent ? { structuredContent: result.structuredContent as Record<string, unknown> } : {}) };
  }
  const invalidOutput = records.find((r) => r.code === ErrorCode.InvalidOutput);
  if (invalidOutput) return { kind: 'invalid-output', problems: invalidOutput.problems ?? text };
  const meta = result._meta?.['mcpforge/error'] as { code?: string } | undefined;
  if (meta?.code === ErrorCode.Internal) {
    const failure = records.find((r) => r.err);
    return { kind: 'internal-error', message: failure?.err?.message ?? failure?.msg ?? text };
  }
  if (meta?.code) return { kind: 'tool-error', message: text, code: meta.code };
  // Errors the SDK answers itself (arguments that fail the input schema) carry no mcpforge code.
  return { kind: 'invalid-input', message: text };
}

export type OutputVerdict =
  | { status: 'conforms' }
  | { status: 'violates'; message: string }
  /** Nothing to check (the tool answered with a `ToolError`): `reason` says why, for a skip note. */
  | { status: 'unchecked'; reason: string };

/**
 * Whether a call's output conforms to the tool's output schema. `validateOutput` (the project's
 * generated validator) re-checks successful output, so the verdict does not rest on the server
 * alone. Internal errors are violations: the handler must either answer or throw a `ToolError`.
 */
export function outputVerdict(tool: string, outcome: ToolCallOutcome, validateOutput?: CompiledValidator): OutputVerdict {
  switch (outcome.kind) {
    case 'ok': {
      if (!validateOutput) return { status: 'conforms' };
      if (validateOutput(outcome.structuredContent)) return { status: 'conforms' };
      return { status: 'violates', message: `tool "${tool}" returned output that does not match its output schema: ${formatValidationErrors(validateOutput.errors)}` };
    }
    case 'invalid-output':
      return { status: 'violates', message: `tool "${tool}" returned output that does not match its output schema: ${outcome.problems}` };
    case 'internal-error':
      return { status: 'violates', message: `tool "${tool}" failed with an unexpected error (throw a ToolError for expected failures): ${outcome.message}` };
    case 'invalid-input':
      return { status: 'violates', message: `tool "${tool}" rejected an input its schema accepts: ${outcome.message}` };
    case 'tool-error':
      return {
        status: 'unchecked',
        reason: `tool "${tool}" answered with a ToolError (${outcome.code}: ${outcome.message}), so there was no output to check; give its input schema \`examples\` that succeed`,
      };
  }
}
