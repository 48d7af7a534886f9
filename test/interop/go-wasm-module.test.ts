import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capModule, DEFAULT_MAX_MEMORY_MIB, DEFAULT_MAX_TABLE_ENTRIES } from '../../src/runtime/check-module';
import { analyseForRecycling, MAX_CODE_GROWTH } from '../../src/runtime/recyclable-module';
import { PAGE_BYTES, Reader, readModuleLayout } from '../../src/runtime/wasm-sections';
import { requireDebianPackages } from '../helpers/debian-packages';
import { goBuild, goEnvironment } from '../helpers/go-client';
import { REPO_ROOT } from '../helpers/paths';
import { runProgram, runSync } from '../helpers/run-program';

// Code that Go's own compiler writes, through the rewrite behind recycled instances: Debian's
// Go 1.19 builds for GOOS=js (wasip1, which released Navidrome's Go plugins use, came in Go 1.21
// with the same code generator and other imports), and Go's own JavaScript glue, wasm_exec.js,
// runs the program as rewritten.

/** Runs a Go js/wasm module under wasm_exec.js in its own process: what it printed, and which blocks its code changed and marked. */
const RUN_UNDER_GO_GLUE = `
const [glue, file, recycledInstance, dirtyGlobals, blockText] = process.argv.slice(1);
const block = Number(blockText);
const printed = [];
// Without an fs of its own (node -e has Node's), the glue prints through console.log.
globalThis.fs = undefined;
console.log = (line) => printed.push(line);
require(glue);
const go = new Go();
WebAssembly.instantiate(require('node:fs').readFileSync(file), go.importObject).then(({ instance }) => {
  let before;
  // The memory as the guest's code first sees it: after the glue has written argv and the environment.
  const exports = { ...instance.exports, run: (...args) => { before = new Uint8Array(instance.exports.mem.buffer).slice(); return instance.exports.run(...args); } };
  return go.run(Object.setPrototypeOf({ exports }, WebAssembly.Instance.prototype)).then(() => {
    const after = new Uint8Array(instance.exports.mem.buffer);
    const changed = [];
    for (let k = 0; k * block < after.length; k++) {
      const was = before.subarray(k * block, (k + 1) * block);
      const is = after.subarray(k * block, (k + 1) * block);
      if (was.length < is.length ? is.some((byte) => byte !== 0) : !Buffer.from(was).equals(Buffer.from(is))) changed.push(k);
    }
    const marked = [];
    if (Number(dirtyGlobals) > 0) {
      const { Marks, markedBlocks } = require(recycledInstance);
      new Marks(instance.exports, Number(dirtyGlobals)).drain(Infinity, (first, bits) => markedBlocks(first, bits, (k) => marked.push(k)));
    }
    process.stdout.write(JSON.stringify({ printed, changed, marked }));
  });
});
`;

interface GoRun {
  readonly printed: string[];
  readonly changed: number[];
  readonly marked: number[];
}

function codeSectionBytes(module: Uint8Array): number {
  const reader = new Reader(module, 8);
  while (reader.offset < module.length) {
    const id = reader.byte();
    const size = reader.u32();
    if (id === 10) return size;
    reader.offset += size;
  }
  throw new Error('no code section');
}

describe('a module Go compiles (Debian Go 1.19, GOOS=js GOARCH=wasm), rewritten for recycling', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'ndphost-go-wasm-'));
  const original = path.join(work, 'module.wasm');
  const rewritten = path.join(work, 'rewritten.wasm');
  let module: Uint8Array<ArrayBuffer>;
  let analysis: ReturnType<typeof analyseForRecycling>;
  let glue: string;

  beforeAll(() => {
    requireDebianPackages('Go wasm module');
    const program = path.join(work, 'src', 'ndphost.local', 'wasmmodule');
    mkdirSync(program, { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'test', 'interop', 'go', 'wasm_module.go'), path.join(program, 'main.go'));
    goBuild(work, 'ndphost.local/wasmmodule', original, { GOOS: 'js', GOARCH: 'wasm' });
    glue = path.join(runSync('go', ['env', 'GOROOT'], { env: goEnvironment(work) }).trim(), 'misc', 'wasm', 'wasm_exec.js');
    module = new Uint8Array(readFileSync(original));
    // With the memory maximum the sandbox gives it (Go declares none), as a plugin would run.
    const capped = capModule(module, readModuleLayout(module), 'go', { hostFunctions: [], maxMemoryMiB: DEFAULT_MAX_MEMORY_MIB, maxTableEntries: DEFAULT_MAX_TABLE_ENTRIES });
    analysis = analyseForRecycling(capped);
    if (analysis.recyclable) writeFileSync(rewritten, analysis.bytes);
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(`is recycled, its code growing well within the ${MAX_CODE_GROWTH}x limit (2.16x measured)`, () => {
    if (!analysis.recyclable) throw new Error(`not recyclable: ${analysis.reason}`);
    expect(module.length).toBeGreaterThan(1_000_000);
    const growth = codeSectionBytes(analysis.bytes) / codeSectionBytes(module);
    expect(growth).toBeGreaterThan(1);
    expect(growth).toBeLessThan(2.5);
  });

  it("runs under Go's own glue as the original does, and marks every 4 KiB block its code changes", async () => {
    if (!analysis.recyclable) throw new Error(`not recyclable: ${analysis.reason}`);
    expect(analysis.blockBytes).toBe(4096);
    const { blockBytes } = analysis;
    const run = async (file: string, dirtyGlobals: number): Promise<GoRun> =>
      JSON.parse(await runProgram(process.execPath, ['-e', RUN_UNDER_GO_GLUE, glue, file, require.resolve('../../src/runtime/recycled-instance'), String(dirtyGlobals), String(blockBytes)])) as GoRun;
    const before = await run(original, 0);
    const after = await run(rewritten, analysis.dirtyGlobals);
    expect(before.printed).toEqual(['BJÖRK http://127.0.0.1/?artist=Bj%C3%B6rk [genre]']);
    expect(after.printed).toEqual(before.printed);
    // In the same 64 KiB pages: which 4 KiB blocks Go's runtime writes moves with timing, between
    // two runs of either module.
    const pages = (blocks: readonly number[]) => [...new Set(blocks.map((block) => Math.floor((block * blockBytes) / PAGE_BYTES)))];
    expect(pages(after.changed)).toEqual(pages(before.changed));
    // Go's heap, stack and runtime data, in blocks spread over the memory.
    expect(after.changed.length).toBeGreaterThan(5);
    expect(after.changed.filter((block) => !after.marked.includes(block))).toEqual([]);
  });
});
