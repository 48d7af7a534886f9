/**
 * The function a fresh instance runs before its rpc export, decided once per module at load.
 *
 * - `_initialize`: a WASI reactor (Go `-buildmode=c-shared`, clang `-mexec-model=reactor`,
 *   AssemblyScript with a start section does without one). Preferred when both are exported.
 * - `_start`: a WASI command module, as TinyGo built plugins for go-plugin up to v0.8, whose
 *   runtime ran `_start` at instantiation: the guest's heap and globals exist only after it.
 *   Like wazero, a `proc_exit(0)` from it is success and the call goes on.
 * - none: the module needs no set-up.
 */
export type StartFunction = '_initialize' | '_start';

export function startFunction(exportNames: Iterable<string>): StartFunction | undefined {
  const names = new Set(exportNames);
  if (names.has('_initialize')) return '_initialize';
  if (names.has('_start')) return '_start';
  return undefined;
}
