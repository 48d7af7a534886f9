/**
 * The gomark section's subject, in a process of its own (Go's glue sets globals): loads a Go
 * js/wasm module through wasm_exec.js, as built or as rewritten for recycling, calls its `handle`
 * until warm, and prints the timing of `calls` more as JSON.
 *
 *   node go-glue-runner.js <wasm_exec.js> <module.wasm> <original|marked> <calls>
 */
import { readFileSync } from 'node:fs';
import { capModule, DEFAULT_MAX_MEMORY_MIB, DEFAULT_MAX_TABLE_ENTRIES } from '../src/runtime/check-module';
import { analyseForRecycling } from '../src/runtime/recyclable-module';
import { readModuleLayout } from '../src/runtime/wasm-sections';
import { timeCalls } from './measure';

interface GoGlue {
  readonly importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

async function main(): Promise<void> {
  const [glue, file, variant, count] = process.argv.slice(2);
  const built = new Uint8Array(readFileSync(file));
  // With the memory maximum the sandbox gives it (Go declares none), which sets the size of the blocks marked.
  let bytes = capModule(built, readModuleLayout(built), 'gomark', { hostFunctions: [], maxMemoryMiB: DEFAULT_MAX_MEMORY_MIB, maxTableEntries: DEFAULT_MAX_TABLE_ENTRIES });
  if (variant === 'marked') {
    const analysis = analyseForRecycling(bytes);
    if (!analysis.recyclable) throw new Error(`not recyclable: ${analysis.reason}`);
    bytes = analysis.bytes;
  }
  // The glue prints through the fs it finds; the module prints nothing.
  require(glue);
  const go = new (globalThis as unknown as { Go: new () => GoGlue }).Go();
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  void go.run(instance);
  const handle = (globalThis as unknown as { handle: (request: string) => string }).handle;
  const request = JSON.stringify({ name: 'Björk', mbid: 'b'.repeat(36), tags: { genre: 'art pop', year: '1993' } });
  if (!handle(request).includes('BJÖRK')) throw new Error('the handler did not answer');
  const calls = Number(count);
  await timeCalls(calls, 1, () => handle(request));
  process.stdout.write(JSON.stringify(await timeCalls(calls, 1, () => handle(request))));
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
