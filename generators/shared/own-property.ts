/**
 * Schema copies write keys that come from input nobody here wrote. `target[key] = value` with the
 * key `__proto__` sets the target's prototype instead of adding the key: the property vanishes
 * from the copy and its schema leaks into every lookup on the object. JSON.parse, YAML, spread and
 * structuredClone all keep such a key as an own property; this keeps it one through our copies.
 */
export function setOwn(target: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else (target as Record<string, unknown>)[key] = value;
}
