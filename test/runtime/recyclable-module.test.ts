import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeModule, I32, i32, mem, op, type Func } from '../../bench/wasm-binary';
import { prepareModule } from '../../src/runtime/module-cache';
import { analyseForRecycling, blockBytesFor, BLOCKS_PER_GLOBAL, MAX_CODE_GROWTH, MAX_DIRTY_GLOBALS, MAX_MUTABLE_GLOBALS, TRACKED_GROWTH_PAGES, trackedPagesFor } from '../../src/runtime/recyclable-module';
import { Marks, markedBlocks } from '../../src/runtime/recycled-instance';
import { requireBuiltExample } from '../helpers/native-examples';
import { EXAMPLE_PLUGINS } from '../helpers/paths';
import { watFixture, watToWasm } from '../helpers/wat';

// The load-time rewrite behind recycled instances (issue 10): every way guest code can write
// memory must mark the blocks it writes, and every module whose state cannot be put back must
// be refused, naming why.

const PAGE = 65536;
const BLOCK = 4096;

/** A module with one exported function per write, each at its own page; a maximum of 100 pages gives 4 KiB blocks. */
const WRITES = `(module
  (memory (export "memory") 6 100)
  (data $passive "abc")
  (func (export "i32_store") (i32.store offset=8 (i32.const 65536) (i32.const 1)))
  (func (export "i64_store8") (i64.store8 (i32.const 131072) (i64.const 1)))
  (func (export "f64_store") (f64.store (i32.const 196608) (f64.const 1)))
  (func (export "v128_store") (v128.store (i32.const 262144) (v128.const i32x4 1 1 1 1)))
  (func (export "v128_store_lane") (v128.store8_lane 3 (i32.const 65540) (v128.const i32x4 1 1 1 1)))
  (func (export "atomic_store") (i64.atomic.store32 (i32.const 131080) (i64.const 1)))
  (func (export "atomic_rmw") (drop (i32.atomic.rmw.add (i32.const 196612) (i32.const 1))))
  (func (export "atomic_cmpxchg") (drop (i64.atomic.rmw.cmpxchg (i32.const 262152) (i64.const 0) (i64.const 1))))
  (func (export "across") (i64.store (i32.const 65532) (i64.const -1)))
  (func (export "fill") (memory.fill (i32.const 65000) (i32.const 1) (i32.const 140000)))
  (func (export "copy") (memory.copy (i32.const 327680) (i32.const 0) (i32.const 10)))
  (func (export "init") (memory.init $passive (i32.const 200000) (i32.const 0) (i32.const 3)))
  (func (export "empty_fill") (memory.fill (i32.const 327680) (i32.const 1) (i32.const 0)))
  (func (export "param") (param $v i64) (local $x i32) (i64.store (local.get $x) (local.get $v))))`;

async function variant(wat: string) {
  const analysis = analyseForRecycling(await watToWasm(wat));
  if (!analysis.recyclable) throw new Error(analysis.reason);
  const { exports } = await WebAssembly.instantiate(await WebAssembly.compile(analysis.bytes), {});
  const marks = new Marks(exports, analysis.dirtyGlobals);
  /** The blocks marked since the last look, and no more marked after it. */
  const blocks = (): number[] => {
    const marked: number[] = [];
    marks.drain(Infinity, (first, bits) => markedBlocks(first, bits, (block) => marked.push(block)));
    marks.drain(Infinity, () => marked.push(-1));
    return marked.sort((a, b) => a - b);
  };
  return { analysis, exports, blocks };
}

/** The 4 KiB blocks of bytes first..last. */
const spanning = (first: number, last: number): number[] => Array.from({ length: Math.floor(last / BLOCK) - Math.floor(first / BLOCK) + 1 }, (_, k) => Math.floor(first / BLOCK) + k);
/** What a store at `address` marks: the blocks of the 16 bytes from it (the widest store's), which cover every store's. */
const store = (address: number): number[] => spanning(address, address + 15);

describe('recyclable modules: tracking written blocks', () => {
  const cases: [string, number[]][] = [
    ['i32_store', store(65544)],
    ['i64_store8', store(131072)],
    ['f64_store', store(196608)],
    ['v128_store', store(262144)],
    ['v128_store_lane', store(65540)],
    ['atomic_store', store(131080)],
    ['atomic_rmw', store(196612)],
    ['atomic_cmpxchg', store(262152)],
    ['across', store(65532)],
    ['fill', spanning(65000, 65000 + 140000 - 1)],
    ['copy', spanning(327680, 327689)],
    ['init', spanning(200000, 200002)],
    ['empty_fill', []],
    ['param', store(0)],
  ];

  it.each(cases)('%s marks blocks %j', async (name, expected) => {
    const { analysis, exports, blocks } = await variant(WRITES);
    expect(analysis).toMatchObject({ blockBytes: BLOCK });
    expect(blocks()).toEqual([]);
    (exports[name] as (value?: bigint) => void)(7n);
    expect(blocks()).toEqual(expected);
  });

  it('a store at the last block a function knows is marked, and the next block is not skipped', async () => {
    const { exports, blocks } = await variant(`(module (memory (export "memory") 1 1)
      (func (export "f") (i32.store (i32.const 4080) (i32.const 1)) (i32.store (i32.const 4092) (i32.const 1)) (i32.store (i32.const 8192) (i32.const 1))))`);
    (exports.f as () => void)();
    expect(blocks()).toEqual([0, 1, 2]);
  });

  it('computes what the original computes, writes included', async () => {
    const { exports } = await variant(WRITES);
    const original = new WebAssembly.Instance(await WebAssembly.compile((await watToWasm(WRITES)) as Uint8Array<ArrayBuffer>), {}).exports;
    for (const [name] of cases) {
      (exports[name] as (value: bigint) => void)(7n);
      (original[name] as (value: bigint) => void)(7n);
    }
    expect(Buffer.from((exports.memory as WebAssembly.Memory).buffer).equals(Buffer.from((original.memory as WebAssembly.Memory).buffer))).toBe(true);
  });

  it('exports every mutable global, and one dirty-bit global per 64 blocks of the memory maximum', async () => {
    const { analysis, exports } = await variant(`(module (memory (export "memory") 1 200)
      (global $a (mut i32) (i32.const 5)) (global $b i32 (i32.const 6)) (global $c (mut i64) (i64.const 7))
      (func (export "f") (global.set $a (i32.const 1))))`);
    if (!analysis.recyclable) throw new Error('expected recyclable');
    expect(analysis.globalExports).toEqual(['ndphost.global.0', 'ndphost.global.2']);
    expect(analysis.globalExports.map((name) => (exports[name] as WebAssembly.Global).value)).toEqual([5, 7n]);
    expect(analysis.blockBytes).toBe(BLOCK);
    expect(analysis.dirtyGlobals).toBe(Math.ceil((200 * PAGE) / BLOCK / BLOCKS_PER_GLOBAL));
  });

  it(`tracks the initial memory and ${TRACKED_GROWTH_PAGES} pages more, in 4 KiB blocks up to 256 MiB and larger past it, so the bits fit ${MAX_DIRTY_GLOBALS} globals`, async () => {
    expect(trackedPagesFor(1, 2048)).toBe(1 + TRACKED_GROWTH_PAGES);
    expect(trackedPagesFor(1, 100)).toBe(100);
    expect(trackedPagesFor(256, 65536)).toBe(256 + TRACKED_GROWTH_PAGES);
    expect(blockBytesFor(4096)).toBe(4096);
    expect(blockBytesFor(4097)).toBe(8192);
    expect(blockBytesFor(65536)).toBe(65536);
    // Without a maximum the memory can reach 4 GiB; a recycled instance keeps the size it had at its restore point.
    const { analysis, exports, blocks } = await variant(`(module (memory (export "memory") 2) (func (export "f") (i32.store (i32.const 70000) (i32.const 1))))`);
    if (!analysis.recyclable) throw new Error('expected recyclable');
    expect(analysis.blockBytes).toBe(4096);
    expect(analysis.trackedBytes).toBe((2 + TRACKED_GROWTH_PAGES) * PAGE);
    expect(analysis.dirtyGlobals).toBe(((2 + TRACKED_GROWTH_PAGES) * PAGE) / BLOCK / BLOCKS_PER_GLOBAL);
    (exports.f as () => void)();
    expect(blocks()).toEqual([17]);
    // An initial memory of 2 GiB: its blocks grow so that the bits fit.
    const large = analyseForRecycling(await watToWasm(`(module (memory (export "memory") 32768) (func (export "f")))`));
    expect(large).toMatchObject({ recyclable: true, blockBytes: 65536, dirtyGlobals: (32768 + TRACKED_GROWTH_PAGES) / BLOCKS_PER_GLOBAL });
  });

  it('a store past the memory traps as before and marks nothing that exists', async () => {
    const { exports, blocks } = await variant(`(module (memory (export "memory") 1 2) (func (export "f") (i32.store (i32.const 70000) (i32.const 1))))`);
    expect(() => (exports.f as () => void)()).toThrow(WebAssembly.RuntimeError);
    expect(blocks().filter((block) => block * BLOCK < PAGE)).toEqual([]);
  });
});

describe('recyclable modules: what cannot be put back is refused', () => {
  const cases: [string, string, RegExp][] = [
    ['table.set', '(table 1 funcref) (func $f) (func (export "g") (table.set (i32.const 0) (ref.func $f))) (elem declare func $f)', /change a table/],
    ['table.grow', '(table 1 funcref) (func (export "g") (drop (table.grow (ref.null func) (i32.const 1))))', /change a table/],
    ['table.fill', '(table 1 funcref) (func (export "g") (table.fill (i32.const 0) (ref.null func) (i32.const 1)))', /change a table/],
    ['table.copy', '(table 2 funcref) (func (export "g") (table.copy (i32.const 0) (i32.const 1) (i32.const 1)))', /change a table/],
    ['table.init', '(table 1 funcref) (func $f) (elem $e func $f) (func (export "g") (table.init $e (i32.const 0) (i32.const 0) (i32.const 1)))', /change a table/],
    ['data.drop', '(data $d "x") (func (export "g") (data.drop $d))', /drop a segment/],
    ['elem.drop', '(func $f) (elem $e func $f) (func (export "g") (elem.drop $e))', /drop a segment/],
    ['an imported global', '(import "env" "g" (global i32))', /imports state/],
    ['a mutable v128 global', '(global (mut v128) (v128.const i32x4 0 0 0 0))', /v128/],
  ];

  it.each(cases)('%s', async (_name, body, reason) => {
    const analysis = analyseForRecycling(await watToWasm(`(module ${body} (memory (export "memory") 1))`));
    expect(analysis).toMatchObject({ recyclable: false, reason: expect.stringMatching(reason) });
  });

  // Marking adds ~40 bytes to each store: code of nothing but stores would grow 6.6 times, and a
  // package's largest file of it took seconds and GBs to rewrite.
  const STORE = [...i32(0), ...i32(0), ...mem(op.i32Store, 2)];
  /** Functions of `stores` i32 stores each, after one of `plain` bytes that write nothing. */
  const storing = (functions: number, stores: number, plain = 0) => {
    const body = new Uint8Array(stores * STORE.length);
    for (let k = 0; k < stores; k++) body.set(STORE, k * STORE.length);
    const filler = Array.from({ length: plain / 3 }, () => [...i32(1), op.drop]).flat();
    return encodeModule({
      types: [{ params: [], results: [] }],
      functions: [{ type: 0, body: filler }, ...Array.from({ length: functions }, () => ({ type: 0, body }))],
      memory: { initialPages: 1 },
      exports: [{ name: 'memory', kind: 2, index: 0 }],
    });
  };

  it(`code that would grow more than ${MAX_CODE_GROWTH} times under marking, refused within its first MiB`, () => {
    const dense = storing(16, 100_000);
    expect(WebAssembly.validate(dense)).toBe(true);
    expect(analyseForRecycling(dense)).toMatchObject({ recyclable: false, reason: expect.stringMatching(new RegExp(`writes memory so densely .* more than ${MAX_CODE_GROWTH} times larger`)) });
  });

  it('a run of stores within the slack, or after enough code that writes nothing, is recycled', () => {
    // Alone, the second module's 100,000 stores would be refused.
    expect(analyseForRecycling(storing(1, 100_000))).toMatchObject({ recyclable: false });
    for (const module of [storing(1, 25_000), storing(1, 100_000, 1_800_000)]) {
      const analysis = analyseForRecycling(module);
      expect(analysis).toMatchObject({ recyclable: true });
      if (analysis.recyclable) expect(WebAssembly.validate(analysis.bytes)).toBe(true);
    }
  });

  // What the rewrite adds can take a function past V8's limits where the module as given is within
  // them: it then keeps a fresh instance per call, and says so.
  const oneFunction = (func: Func) => encodeModule({ types: [{ params: [], results: [] }], functions: [func], memory: { initialPages: 1 }, exports: [{ name: 'memory', kind: 2, index: 0 }, { name: 'f', kind: 0, index: 0 }] });
  /** `plain` i32.const/drop pairs, then `stores` stores. */
  const plainThenStores = (plain: number, stores: number): Uint8Array => {
    const body = new Uint8Array(plain * 3 + stores * STORE.length);
    const pair = new Uint8Array([...i32(1), op.drop]);
    for (let k = 0; k < plain; k++) body.set(pair, k * 3);
    for (let k = 0; k < stores; k++) body.set(STORE, plain * 3 + k * STORE.length);
    return body;
  };
  const atLimit: [string, () => Uint8Array<ArrayBuffer>, RegExp][] = [
    ["50,000 locals, V8's most", () => oneFunction({ type: 0, locals: [[50_000, I32]], body: STORE }), /local count too large/],
    ["7.5 MB of code, under V8's 7,654,321 bytes until marked", () => oneFunction({ type: 0, body: plainThenStores(2_500_000, 5_000) }), /size/],
  ];
  it.each(atLimit)('a function of %s', async (_name, make, why) => {
    const module = make();
    expect(WebAssembly.validate(module)).toBe(true);
    expect(analyseForRecycling(module)).toMatchObject({ recyclable: true });
    const prepared = await prepareModule(module, 'at-limit', { hostFunctions: [], maxMemoryMiB: 8, maxTableEntries: 100 });
    expect(prepared.module.recycle).toBeUndefined();
    expect(prepared.notRecyclable).toEqual(expect.stringMatching(/rewritten code is past the engine's limits/));
    expect(prepared.notRecyclable).toEqual(expect.stringMatching(why));
  });

  it(`more than ${MAX_MUTABLE_GLOBALS} mutable globals, where putting them back costs more than a new instance`, () => {
    const withGlobals = (count: number) =>
      encodeModule({
        types: [{ params: [], results: [] }],
        functions: [{ type: 0, body: [] }],
        memory: { initialPages: 1 },
        globals: Array.from({ length: count }, (_, k) => ({ type: I32, mutable: k % 2 === 0, init: i32(k) })),
        exports: [{ name: 'memory', kind: 2, index: 0 }],
      });
    expect(analyseForRecycling(withGlobals(2 * MAX_MUTABLE_GLOBALS))).toMatchObject({ recyclable: true });
    expect(analyseForRecycling(withGlobals(2 * MAX_MUTABLE_GLOBALS + 2))).toMatchObject({ recyclable: false, reason: `it has ${MAX_MUTABLE_GLOBALS + 1} mutable globals, and putting back more than ${MAX_MUTABLE_GLOBALS} costs more than a new instance` });
  });

  it('an imported or shared memory', async () => {
    expect(analyseForRecycling(await watToWasm('(module (import "env" "m" (memory 1)) (export "memory" (memory 0)))'))).toMatchObject({ recyclable: false, reason: expect.stringMatching(/imports state/) });
    expect(analyseForRecycling(await watToWasm('(module (memory (export "memory") 1 1 shared))'))).toMatchObject({ recyclable: false, reason: expect.stringMatching(/shared/) });
  });
});

describe('recyclable modules: what real toolchains build', () => {
  // A form the decoder does not know makes a module fall back to a new instance per call: correct,
  // and several times slower, with nothing but a line in the load log to say so.
  const examples = readdirSync(EXAMPLE_PLUGINS).filter((name) => existsSync(path.join(EXAMPLE_PLUGINS, name, 'manifest.json')));

  it.each(examples)('the %s example plugin is recycled', async (name) => {
    requireBuiltExample(name);
    expect(analyseForRecycling(readFileSync(path.join(EXAMPLE_PLUGINS, name, 'plugin.wasm')))).toMatchObject({ recyclable: true });
  });

  it.each(['go-shaped', 'tinygo-shaped'])('a %s module (its runtime, start function and memory layout, in text)', async (name) => {
    expect(analyseForRecycling(await watFixture(name))).toMatchObject({ recyclable: true });
  });
});
