/**
 * The audit line, built as one string and handed to the logger's stream — the bytes pino itself
 * writes for `log.info(fields, 'audit')`, without pino's per-key work.
 *
 * Why: pino serialises a log call generically — every key escaped again (`asString(key)`), every
 * string value scanned, each piece joined onto the last — about 1.9 KiB of garbage for one audit
 * line of ~280 bytes, the largest single allocation of a tool call after Node's own HTTP objects
 * (bench/README.md, round ten: 19.7 → 18.3 KiB per call). The audit line's keys are fixed, so
 * they are written here as constants; the values are what pino would write for them. The parts
 * of the line pino owns (level, time, the logger's bindings, the line's end) come from the logger
 * itself, through `pino.symbols`.
 *
 * Only where that gives pino's bytes: a logger with a log formatter, mixin, hooks, nested key,
 * message prefix, another message key, serializers or redaction of these keys, or a multistream
 * gets `undefined` (pino writes the line, as before), and so does any record holding a string
 * pino would escape (quotes, backslashes, control or non-ASCII characters) or values pino would
 * stringify otherwise. A differential test holds the two to the same bytes.
 */
import { pino, type Logger } from 'pino';
import type { AuditRecord } from './record.js';

/** The keys an audit line may carry; none may have a serializer or a redaction path. */
const AUDIT_KEYS = ['requestId', 'subject', 'roles', 'kind', 'tool', 'resource', 'prompt', 'oauth', 'outcome', 'errorCode', 'durationMs', 'arguments', 'msg'];

/** Strings pino writes between quotes as they are (printable ASCII but `"` and `\`). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

type PinoInternals = Record<symbol, unknown>;

export interface AuditLineWriter {
  /** Writes the line and returns true; false when pino must write this one (then nothing was written). */
  write(entry: AuditRecord, durationMs: number): boolean;
}

/**
 * The audit line's fields for pino, in the line's order: what pino writes when this module's
 * writer cannot. Built field by field (no spreads of empty objects: one line per call).
 */
export function auditLineFields(entry: AuditRecord, durationMs: number): Record<string, unknown> {
  const line: Record<string, unknown> = { requestId: entry.requestId, subject: entry.subject };
  if (entry.roles && entry.roles.length > 0) line.roles = entry.roles;
  line.kind = entry.kind;
  line[entry.kind] = entry.name;
  line.outcome = entry.outcome;
  if (entry.errorCode !== undefined) line.errorCode = entry.errorCode;
  line.durationMs = durationMs;
  if (entry.arguments !== undefined) line.arguments = entry.arguments;
  return line;
}

/** A writer of `log`'s audit lines, or undefined when `log` is configured so that pino must write them. */
export function auditLineWriter(log: Logger): AuditLineWriter | undefined {
  const s = pino.symbols as Record<string, symbol | undefined>;
  const names = ['lsCacheSym', 'timeSym', 'chindingsSym', 'endSym', 'streamSym', 'serializersSym', 'stringifiersSym', 'formattersSym', 'hooksSym', 'mixinSym', 'nestedKeySym', 'msgPrefixSym', 'messageKeySym', 'needsMetadataGsym', 'wildcardFirstSym'] as const;
  const sym = {} as Record<(typeof names)[number], symbol>;
  for (const name of names) {
    const found = s[name];
    if (typeof found !== 'symbol') return undefined; // another pino: let it write its lines
    sym[name] = found;
  }
  const l = log as unknown as PinoInternals;
  const serializers = (l[sym.serializersSym] ?? {}) as Record<string, unknown>;
  const stringifiers = (l[sym.stringifiersSym] ?? {}) as Record<string | symbol, unknown>;
  const formatters = (l[sym.formattersSym] ?? {}) as { log?: unknown };
  const hooks = (l[sym.hooksSym] ?? {}) as { logMethod?: unknown; streamWrite?: unknown };
  const stream = l[sym.streamSym] as { write(line: string): unknown } & Record<symbol, unknown>;
  const lsCache = l[sym.lsCacheSym] as Record<number, string> | undefined;
  const time = l[sym.timeSym] as (() => string) | undefined;
  if (
    formatters.log !== undefined ||
    hooks.logMethod !== undefined ||
    hooks.streamWrite !== undefined ||
    l[sym.mixinSym] ||
    l[sym.nestedKeySym] ||
    l[sym.msgPrefixSym] !== undefined ||
    l[sym.messageKeySym] !== 'msg' ||
    stringifiers[sym.wildcardFirstSym] !== undefined ||
    AUDIT_KEYS.some((key) => serializers[key] !== undefined || stringifiers[key] !== undefined) ||
    typeof stream?.write !== 'function' ||
    stream[sym.needsMetadataGsym] === true ||
    typeof lsCache?.[30] !== 'string' ||
    typeof time !== 'function' ||
    typeof l[sym.endSym] !== 'string' ||
    typeof l[sym.chindingsSym] !== 'string'
  ) {
    return undefined;
  }
  const infoPrefix = lsCache[30]!;
  const end = `,"msg":"audit"${l[sym.endSym] as string}`;
  const chindings = l[sym.chindingsSym] as string;
  const nameKeys: Record<string, string> = { tool: '","tool":"', resource: '","resource":"', prompt: '","prompt":"', oauth: '","oauth":"' };

  return {
    write(entry, durationMs) {
      // A disabled level writes nothing, as pino's own method would.
      if (!log.isLevelEnabled('info')) return true;
      const nameKey = nameKeys[entry.kind];
      if (
        nameKey === undefined ||
        !PLAIN.test(entry.requestId) ||
        !PLAIN.test(entry.subject) ||
        !PLAIN.test(entry.name) ||
        !PLAIN.test(entry.outcome) ||
        (entry.errorCode !== undefined && !PLAIN.test(entry.errorCode))
      ) {
        return false;
      }
      let roles = '';
      if (entry.roles && entry.roles.length > 0) roles = `,"roles":${JSON.stringify(entry.roles)}`;
      let args = '';
      if (entry.arguments !== undefined) {
        // pino writes an object through JSON.stringify (a value it cannot is left to pino).
        if (typeof entry.arguments !== 'object' || entry.arguments === null) return false;
        let json: string | undefined;
        try {
          json = JSON.stringify(entry.arguments);
        } catch {
          return false;
        }
        if (json === undefined) return false;
        args = `,"arguments":${json}`;
      }
      const errorCode = entry.errorCode === undefined ? '' : `,"errorCode":"${entry.errorCode}"`;
      // pino writes a non-finite number as null.
      const duration = Number.isFinite(durationMs) ? durationMs : null;
      stream.write(
        `${infoPrefix}${time()}${chindings},"requestId":"${entry.requestId}","subject":"${entry.subject}"${roles},"kind":"${entry.kind}${nameKey}${entry.name}","outcome":"${entry.outcome}"${errorCode},"durationMs":${duration}${args}${end}`,
      );
      return true;
    },
  };
}
