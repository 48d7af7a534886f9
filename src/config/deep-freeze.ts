/**
 * Freezes a plain-data tree. Object.freeze is shallow, and a Config whose nested arrays or
 * plugin maps could still be changed would let one consumer alter what the others see.
 */

/** Freezes `value` and everything reachable from it, and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
