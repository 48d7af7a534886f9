/**
 * The incoming call a plugin call serves, as grpc-js keeps it: `cancelled` once its caller gave
 * up, when it also emits `cancelled` (once).
 */
export interface Caller {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

interface Watch {
  readonly listeners: Set<() => void>;
  readonly notify: () => void;
}

const watches = new WeakMap<Caller, Watch>();

/**
 * Calls `listener` once `caller` is cancelled; returns a function that stops watching. However
 * many watch one caller, grpc-js's call gets one listener: the plugins of a fan-out all wait on
 * the one incoming call, and EventEmitter warns of a leak past ten listeners of an event.
 */
export function whenCancelled(caller: Caller, listener: () => void): () => void {
  let watch = watches.get(caller);
  if (watch === undefined) {
    const listeners = new Set<() => void>();
    const notify = (): void => {
      watches.delete(caller);
      for (const each of listeners) each();
    };
    watch = { listeners, notify };
    watches.set(caller, watch);
    caller.once('cancelled', notify);
  }
  const current = watch;
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0 && watches.get(caller) === current) {
      watches.delete(caller);
      caller.removeListener('cancelled', current.notify);
    }
  };
}
