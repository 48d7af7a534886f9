import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox, type LoadedModule } from '../../src/runtime';
import { guestWat, packed } from '../helpers/guest-wat';
import { WAT_FIXTURES } from '../helpers/paths';
import { watToWasm } from '../helpers/wat';

// Issue 10, goal 4: by default every call sees a fresh instance, even though workers keep and
// restore instances between calls. test/fixtures/wat/snoop.wat reports what it finds of earlier
// calls (memory written every way a guest or the host can write it, its globals, the table,
// memory.grow) and then leaves its marks. One worker, so every call lands on the instance the
// previous call used. The pooled policy, which keeps instances as calls left them, shows that
// the report does see what is left.

const SOON = { timeoutMs: 10_000 };
const WAT = readFileSync(path.join(WAT_FIXTURES, 'snoop.wat'), 'utf8');

/** The report of a call that sees nothing of earlier calls (snoop.wat's header). */
const CLEAN = [0, 1, 8, 1, 0, 0, 0, 0, 0, 0, 0, 7, 16, 0];

const variants: [string, string, RegExp | undefined][] = [
  ['a pure _initialize (restored to after it)', WAT, undefined],
  ['an _initialize that reads random bytes (run again for every call)', WAT.replace(';;INIT ', ''), undefined],
  ['a table.set in its code (not recycled: a new instance per call)', WAT.replace(';;TABLE ', ''), /can change a table/],
];

const report = async (sandbox: Sandbox, module: LoadedModule, request: string): Promise<number[]> => [...(await sandbox.call(module, 'run', new TextEncoder().encode(request), SOON))];

describe('every call sees a fresh instance', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox?.close());

  it.each(variants)('a guest with %s sees nothing an earlier call wrote: memory, globals, table, growth', async (_name, wat, notRecycled) => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    const module = await sandbox.load('snoop', (await watToWasm(wat)) as Uint8Array<ArrayBuffer>);
    expect(module.notRecyclable).toEqual(notRecycled && expect.stringMatching(notRecycled));
    // 'g' grows memory by a page; a plain call after it must find the declared size again.
    for (const request of ['x', 'x', 'g', 'x', 'g', 'g', 'x', 'x']) {
      expect({ request, seen: await report(sandbox, module, request) }).toEqual({ request, seen: CLEAN });
    }
  });

  it('calls of other plugins in between, on the same worker, do not make it see its own earlier calls', async () => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    const snoop = await sandbox.load('snoop', (await watToWasm(WAT)) as Uint8Array<ArrayBuffer>);
    // Another module whose host write (random_get's out-parameter) lands on another page, page 7.
    const other = await sandbox.load('other', (await watToWasm(WAT.replaceAll('(i32.const 400000)', '(i32.const 460000)'))) as Uint8Array<ArrayBuffer>);
    for (const [module, request] of [[snoop, 'x'], [other, 'x'], [snoop, 'x'], [other, 'g'], [other, 'x'], [snoop, 'x'], [snoop, 'x']] as const) {
      expect({ plugin: module.pluginId, request, seen: await report(sandbox, module, request) }).toEqual({ plugin: module.pluginId, request, seen: CLEAN });
    }
  });

  it("bytes only the host wrote (a caller's request) are gone by the next call", async () => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    // malloc hands out page 2 and writes nothing there: the request is the only thing on it, so
    // only the host's record of its own writes can tell the restore to put that page back.
    const wat = `(module
      (memory (export "memory") 4)
      (func (export "malloc") (param i32) (result i32) (i32.const 131072))
      (func (export "free") (param i32))
      (func (export "run") (param $ptr i32) (param $len i32) (result i64)
        (i32.store8 (i32.const 65536) (i32.load8_u (i32.const 132072)))
        (i64.or (i64.shl (i64.const 65536) (i64.const 32)) (i64.const 1))))`;
    const module = await sandbox.load('reader', (await watToWasm(wat)) as Uint8Array<ArrayBuffer>);
    expect(module.notRecyclable).toBeUndefined();
    const byteAt1000 = async (request: Uint8Array) => [...(await sandbox.call(module, 'run', request, SOON))];
    expect(await byteAt1000(new Uint8Array(2000).fill(0xab))).toEqual([0xab]);
    expect(await byteAt1000(new Uint8Array([1]))).toEqual([0]);
  });

  it("a store into the memory's last bytes: the next call runs, and sees them as a fresh instance has them", async () => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    // The store's mark also names the page after the memory's end (marks cover 16 bytes); the
    // restore once failed on it, so every call after such a store failed.
    const module = await sandbox.load('top', (await watToWasm(guestWat(`
      (i32.store (i32.const 65528) (i32.load (i32.const 65532)))
      (i32.store (i32.const 65532) (i32.const 0x64636261))
      ${packed(65528, 8)}`))) as Uint8Array<ArrayBuffer>);
    expect(module.notRecyclable).toBeUndefined();
    for (let call = 0; call < 3; call++) expect([...(await sandbox.call(module, 'run', new Uint8Array([1]), SOON))]).toEqual([0, 0, 0, 0, 97, 98, 99, 100]);
  });

  it('a 4 GiB memory: stores into its last page and into pages its data fills are gone by the next call', async () => {
    // The last page's address is the marks' "no page yet" value, so a store there goes unmarked
    // and the restore puts that page back on every call. 65,536 pages are held as a sparse image:
    // a full copy would commit 4 GiB in the worker.
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, maxMemoryMiB: 4096 });
    const last = 0xffff_fff0;
    const data = 0x8000_0000;
    const module = await sandbox.load('huge', (await watToWasm(guestWat(`
      (local $old i32)
      (local.set $old (i32.load (i32.const ${last})))
      ;; The function's first store: after any other, the marks' last page would be that one's.
      (i32.store (i32.const ${last}) (i32.const 0x64636261))
      (i32.store (i32.const 16) (local.get $old))
      (i32.store (i32.const 20) (i32.load (i32.const ${data})))
      (i32.store (i32.const ${data}) (i32.const -1))
      ${packed(16, 8)}`, `(data (i32.const ${data}) "data")`, 65536))) as Uint8Array<ArrayBuffer>);
    expect(module.notRecyclable).toBeUndefined();
    for (let call = 0; call < 3; call++) expect([...(await sandbox.call(module, 'run', new Uint8Array([1]), SOON))]).toEqual([0, 0, 0, 0, 100, 97, 116, 97]);
  });

  it('after a call that trapped, the next call still sees a fresh instance', async () => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    // 't' marks memory and globals like any call, then traps.
    const trapping = WAT.replace('(i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32)) (i64.const 14))))', '(if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 116)) (then unreachable)) (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32)) (i64.const 14))))');
    const module = await sandbox.load('snoop', (await watToWasm(trapping)) as Uint8Array<ArrayBuffer>);
    await report(sandbox, module, 'x');
    await expect(report(sandbox, module, 't')).rejects.toMatchObject({ kind: 'trap' });
    await expect(report(sandbox, module, 'x')).resolves.toEqual(CLEAN);
  });

  it('Plugins.InstancePolicy "pooled" keeps the instance as the last call left it', async () => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, instancePolicy: 'pooled' });
    const module = await sandbox.load('snoop', (await watToWasm(WAT)) as Uint8Array<ArrayBuffer>);
    await expect(report(sandbox, module, 'x')).resolves.toEqual(CLEAN);
    const second = await report(sandbox, module, 'x');
    // calls 1, data segment overwritten, every marked page, random bytes: all still there.
    expect(second.slice(0, 11)).toEqual([1, 1, 8, 0, 170, 171, 170, 172, 173, 105, second[10]]);
    expect(second[10]).not.toBe(0);
  });

  it('"pooled": a plugin\'s exports share its instance, and another plugin of the same module has its own', async () => {
    // Each export answers with one byte, the count `bump` keeps in a global.
    const counter = `(module
      (memory (export "memory") 1)
      (global $count (mut i32) (i32.const 0))
      (func (export "malloc") (param i32) (result i32) (i32.const 1024))
      (func (export "free") (param i32))
      (func $answer (result i64)
        (i32.store8 (i32.const 16) (global.get $count))
        (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 1)))
      (func (export "bump") (param i32 i32) (result i64)
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (call $answer))
      (func (export "read") (param i32 i32) (result i64) (call $answer)))`;
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, instancePolicy: 'pooled' });
    const bytes = (await watToWasm(counter)) as Uint8Array<ArrayBuffer>;
    const [a, b] = [await sandbox.load('a', bytes), await sandbox.load('b', bytes)];
    const count = async (module: LoadedModule, exportName: string) => (await sandbox.call(module, exportName, new Uint8Array(0), SOON))[0];
    expect(await count(a, 'bump')).toBe(1);
    expect(await count(a, 'read')).toBe(1);
    expect(await count(b, 'read')).toBe(0);
    expect(await count(a, 'bump')).toBe(2);
    expect(await count(b, 'bump')).toBe(1);
  });

  it('a module unloaded and loaded again (a refresh with the same bytes) gets new instances, pooled too', async () => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, instancePolicy: 'pooled' });
    const bytes = (await watToWasm(WAT)) as Uint8Array<ArrayBuffer>;
    const first = await sandbox.load('snoop', bytes);
    await report(sandbox, first, 'x');
    expect((await report(sandbox, first, 'x'))[0]).toBe(1);
    sandbox.unload(first);
    // The worker keeps the job's target number (the pool numbers it once) but not the instances behind it.
    const again = await sandbox.load('snoop', bytes);
    expect(again.hash).toBe(first.hash);
    await expect(report(sandbox, again, 'x')).resolves.toEqual(CLEAN);
  });
});
