import { readFile } from 'node:fs/promises';
import path from 'node:path';
import wabt from 'wabt';
import { WAT_FIXTURES } from './paths';

const toolkit = wabt();

/**
 * Compiles WebAssembly text at test time, so a fixture's source and binary cannot drift.
 * `features` adds wabt features to those it enables by default and threads.
 */
export async function watToWasm(text: string, name = 'fixture.wat', features: Readonly<Record<string, boolean>> = {}): Promise<Uint8Array> {
  // threads: atomic instructions, which Node runs (the other proposals wabt enables by default).
  const module = (await toolkit).parseWat(name, text, { threads: true, ...features });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** Compiles test/fixtures/wat/<name>.wat. */
export async function watFixture(name: string): Promise<Uint8Array> {
  return watToWasm(await readFile(path.join(WAT_FIXTURES, `${name}.wat`), 'utf8'), `${name}.wat`);
}
