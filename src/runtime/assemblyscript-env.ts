import { GuestAbort, type GuestContext } from './guest-context';
import { readAssemblyScriptString } from './guest-memory';

/**
 * AssemblyScript's `env` imports, all in one place (wazero's imports/assemblyscript is the
 * model): `abort` becomes an error naming the message and source position; `trace` goes to the
 * plugin's stderr; `seed` feeds Math.random.
 */
export function assemblyScriptEnv(context: GuestContext): Record<string, (...args: number[]) => unknown> {
  const text = (ptr: number): string => {
    const memory = context.memory;
    return (memory && readAssemblyScriptString(memory, ptr)) ?? '?';
  };
  return {
    abort(messagePtr: number, filePtr: number, line: number, column: number): never {
      const message = messagePtr ? text(messagePtr) : 'abort';
      const position = filePtr ? ` at ${text(filePtr)}:${line}:${column}` : '';
      throw new GuestAbort(`abort: ${message}${position}`);
    },
    trace(messagePtr: number, count: number, ...values: number[]): void {
      context.append('stderr', `trace: ${text(messagePtr)} ${values.slice(0, count).join(', ')}\n`);
    },
    seed(): number {
      return Date.now() * Math.random();
    },
  };
}
