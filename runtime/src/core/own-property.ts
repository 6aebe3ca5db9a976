/**
 * Copies of arguments and schemas write keys a client or a spec chose. `target[key] = value` with
 * the key `__proto__` (JSON.parse makes it an own property) sets the target's prototype instead:
 * the key vanishes from the copy. This keeps it an own property, as the input had it.
 */
export function setOwn(target: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else (target as Record<string, unknown>)[key] = value;
}
