import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ArtistBiographyRequest, ArtistBiographyResponse } from '../../generated/ts/api';
import { isKind, type ErrorKind } from '../../src/errors';
import { Sandbox } from '../../src/runtime';
import { DEFAULT_CAPACITY as CHANNEL_BYTES } from '../../src/runtime/host-channel';
import { DEFAULT_SLOT_CAPACITY as SLOT_BYTES } from '../../src/runtime/job-slot';
import { guestWat, packed } from '../helpers/guest-wat';
import { FIXTURE_PLUGINS } from '../helpers/paths';
import { watFixture, watToWasm } from '../helpers/wat';
import { defer } from '../helpers/defer';

const SOON = () => ({ timeoutMs: 5_000 });
const fixtureWasm = () => new Uint8Array(readFileSync(path.join(FIXTURE_PLUGINS, 'fixture', 'plugin.wasm')));
const biographyRequest = (name: string) => ArtistBiographyRequest.encode({ id: '', name, mbid: '' }).finish();
const BIOGRAPHY = 'metadata_agent_get_artist_biography';

describe('Sandbox', () => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 4, idleMs: 50 });
  });
  afterEach(() => sandbox.close());

  async function load(wat: string) {
    return sandbox.load('wat', (await watToWasm(wat)) as Uint8Array<ArrayBuffer>);
  }

  it('compiles each distinct module once, keyed by content hash', async () => {
    const a = await sandbox.load('a', fixtureWasm());
    const b = await sandbox.load('b', fixtureWasm());
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.functions.has(BIOGRAPHY)).toBe(true);
  });

  it('a fresh instance sees counter 1 on every call, under P callers x N calls', async () => {
    const module = await sandbox.load('fixture', fixtureWasm());
    const callers = 8;
    const calls = 25;
    const answers = await Promise.all(
      Array.from({ length: callers }, async (_, caller) => {
        const seen: string[] = [];
        for (let i = 0; i < calls; i++) {
          const output = await sandbox.call(module, BIOGRAPHY, biographyRequest(`c${caller}`), SOON());
          seen.push(ArtistBiographyResponse.decode(output).biography);
        }
        return seen;
      }),
    );
    answers.forEach((seen, caller) => expect(seen).toEqual(Array(calls).fill(`fixture:c${caller}:calls=1`)));
    expect(sandbox.workers).toBeLessThanOrEqual(4);
  });

  it('queues CPU-bound calls instead of growing past minWorkers', async () => {
    const module = await sandbox.load('fixture', fixtureWasm());
    const pending = Array.from({ length: 8 }, () => sandbox.call(module, BIOGRAPHY, biographyRequest('x'), SOON()));
    expect(sandbox.workers).toBe(1);
    await Promise.all(pending);
  });

  it('a response larger than the job slot arrives whole through the port, copied out before the instance is restored', async () => {
    // Fills 300,000 bytes (over the 256 KiB slot) with the request's first byte and returns them.
    const size = 300_000;
    const module = await load(guestWat(`(memory.fill (i32.const 0) (i32.load8_u (local.get $ptr)) (i32.const ${size})) ${packed(0, size)}`, '', 8));
    // The second call runs in the first one's instance, restored between the two calls.
    for (const byte of [7, 9]) {
      const output = await sandbox.call(module, 'run', new Uint8Array([byte]), SOON());
      expect(output.length).toBe(size);
      expect(output.every((value) => value === byte)).toBe(true);
    }
  });

  it('an empty request is passed as ptr 0, len 0 without malloc', async () => {
    // malloc traps, so the call only succeeds if the host skips it for an empty request.
    const wat = guestWat('(i64.extend_i32_u (i32.add (local.get $ptr) (local.get $len)))').replace(
      '(local.set $p (global.get $heap))',
      'unreachable',
    );
    const module = await load(wat);
    await expect(sandbox.call(module, 'run', new Uint8Array(0), SOON())).resolves.toEqual(new Uint8Array(0));
  });

  it('a plugin running past its own time limit is a plugin_timeout, and the next call runs', async () => {
    const module = await load(guestWat('(loop $spin (br $spin)) (i64.const 0)'));
    const error = await sandbox.call(module, 'run', new Uint8Array([1]), { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(isKind(error, 'plugin_timeout')).toBe(true);
    expect(error).toMatchObject({ pluginId: 'wat', export: 'run', message: 'plugin wat: export run did not finish within its 100 ms time limit' });
    const fixture = await sandbox.load('fixture', fixtureWasm());
    const output = await sandbox.call(fixture, BIOGRAPHY, biographyRequest('next'), SOON());
    expect(ArtistBiographyResponse.decode(output).biography).toBe('fixture:next:calls=1');
  });

  it("a caller's deadline shorter than the time limit is a deadline, not the plugin's failure", async () => {
    const module = await load(guestWat('(loop $spin (br $spin)) (i64.const 0)'));
    const error = await sandbox.call(module, 'run', new Uint8Array([1]), { deadline: Date.now() + 100, timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'deadline', pluginId: 'wat', message: "plugin wat: export run did not finish before the caller's deadline" });
  });

  it('a call that waits for a busy worker past its time limit is a deadline, not the plugin timing out', async () => {
    const spinner = await load(guestWat('(loop $spin (br $spin)) (i64.const 0)'));
    const fixture = await sandbox.load('fixture', fixtureWasm());
    const spinning = sandbox.call(spinner, 'run', new Uint8Array([1]), { timeoutMs: 2_000 }).catch((e: unknown) => e);
    await expect(sandbox.call(fixture, BIOGRAPHY, biographyRequest('x'), { timeoutMs: 100 })).rejects.toMatchObject({
      kind: 'deadline',
      message: 'plugin fixture: export metadata_agent_get_artist_biography did not start: every worker was busy and it waited 100 ms',
    });
    await expect(spinning).resolves.toMatchObject({ kind: 'plugin_timeout', pluginId: 'wat' });
  });

  it('a worker lent to a load check leaves once free, so calls never run on more than MaxWorkers', async () => {
    const single = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    try {
      const spinner = await single.load('wat', (await watToWasm(guestWat('(loop $spin (br $spin)) (i64.const 0)'))) as Uint8Array<ArrayBuffer>);
      const fixture = await single.load('fixture', fixtureWasm());
      const spinning = single.call(spinner, 'run', new Uint8Array([1]), { timeoutMs: 5_000 }).catch((e: unknown) => e);
      // The check waits its grace behind the spinner, then runs on a worker of its own.
      await expect(single.apiVersion(fixture, 'metadata_agent_api_version', 5_000)).resolves.toBe(1);
      expect(single.workers).toBe(1);
      await expect(single.call(fixture, BIOGRAPHY, biographyRequest('x'), { timeoutMs: 200 })).rejects.toMatchObject({ kind: 'deadline' });
      await expect(spinning).resolves.toMatchObject({ kind: 'plugin_timeout', pluginId: 'wat' });
    } finally {
      await single.close();
    }
  });

  it('load checks queued behind each other get no worker of their own while the queue moves', async () => {
    // A start-up with many plugins: each check waits past its grace for the ones before it, but
    // the pool finishes jobs meanwhile, so no check is stuck and no thread is added.
    const wide = new Sandbox({ minWorkers: 1, maxWorkers: 16 });
    try {
      const busy = '(local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 2000000)))) (i64.const 0)';
      const module = await wide.load('busy', (await watToWasm(guestWat(busy))) as Uint8Array<ArrayBuffer>);
      await wide.call(module, 'run', new Uint8Array(0), SOON());
      const checks = Array.from({ length: 200 }, () => wide.call(module, 'run', new Uint8Array(0), { timeoutMs: 60_000, loadTime: true }));
      await expect(Promise.all(checks)).resolves.toHaveLength(200);
      expect(wide.workers).toBe(1);
    } finally {
      await wide.close();
    }
  });

  it('a deadline already passed never reaches a worker', async () => {
    const module = await sandbox.load('fixture', fixtureWasm());
    await expect(sandbox.call(module, BIOGRAPHY, biographyRequest('x'), { deadline: Date.now() - 1, timeoutMs: 5_000 })).rejects.toMatchObject({
      kind: 'deadline',
      message: "plugin fixture: export metadata_agent_get_artist_biography was not called: the caller's deadline had already passed",
    });
  });

  describe('a failing guest fails only its call, with an error naming plugin, export and cause', () => {
    const PROC_EXIT = '(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))';
    const FD_WRITE = '(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))';
    const cases: [string, string, string, ErrorKind, RegExp][] = [
      ['unreachable', 'unreachable', '', 'trap', /export run failed: unreachable/],
      ['out-of-bounds load', '(i64.load (i32.const 70000))', '', 'trap', /memory access out of bounds/],
      ['division by zero', '(drop (i32.div_u (i32.const 1) (i32.const 0))) (i64.const 0)', '', 'trap', /divide by zero/],
      ['stack overflow', '(call $deep)', '(func $deep (result i64) (call $deep))', 'trap', /stack overflow/],
      ['proc_exit(3)', '(call $exit (i32.const 3)) (i64.const 0)', PROC_EXIT, 'trap', /proc_exit\(3\)/],
      [
        'a panic on stderr',
        '(drop (call $write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 32))) (call $exit (i32.const 2)) (i64.const 0)',
        `${FD_WRITE} ${PROC_EXIT} (data (i32.const 16) "\\40\\00\\00\\00\\0b\\00\\00\\00") (data (i32.const 64) "panic: boom")`,
        'trap',
        /proc_exit\(2\) \(stderr: panic: boom\)/,
      ],
      ['a response outside memory', packed(65_536, 4), '', 'bad_abi', /returned ptr=65536 len=4, outside the 65536-byte memory/],
      ['an error string outside memory', packed(65_530, 0x8000_0010), '', 'bad_abi', /returned ptr=65530 len=16, outside/],
      ['a plugin error string', packed(64, 0x8000_0004), '(data (i32.const 64) "oops")', 'plugin_error', /^plugin wat: oops$/],
      ['plugin:not_found', packed(64, 0x8000_0010), '(data (i32.const 64) "plugin:not_found")', 'not_found', /wat/],
      ['plugin:not_implemented', packed(64, 0x8000_0016), '(data (i32.const 64) "plugin:not_implemented")', 'not_implemented', /does not implement run/],
    ];
    it.each(cases)('%s', async (_name, body, extra, kind, message) => {
      const module = await load(guestWat(body, extra));
      const error = await sandbox.call(module, 'run', new Uint8Array([1, 2, 3]), SOON()).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind, pluginId: 'wat', message: expect.stringMatching(message) });
    });

    it('malloc returning a pointer outside memory', async () => {
      const module = await load(guestWat('(i64.const 0)').replace('(local.get $p))', '(drop (local.get $p)) (i32.const 65535))'));
      await expect(sandbox.call(module, 'run', new Uint8Array(8), SOON())).rejects.toMatchObject({ kind: 'bad_abi', message: expect.stringMatching(/malloc\(8\) returned 65535, outside/) });
    });

    it('an rpc export that returns an i32 instead of an i64', async () => {
      const module = await load(guestWat('(i64.const 0)', '(func (export "narrow") (param i32 i32) (result i32) (i32.const 0))'));
      await expect(sandbox.call(module, 'narrow', new Uint8Array(0), SOON())).rejects.toMatchObject({ kind: 'bad_abi', message: expect.stringMatching(/narrow returned number, not an i64/) });
    });

    it('proc_exit(0) in _initialize is fine; another code fails the call', async () => {
      const initialize = (code: number) => `(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (func (export "_initialize") (call $exit (i32.const ${code})))`;
      const clean = await load(guestWat('(i64.const 0)', initialize(0)));
      await expect(sandbox.call(clean, 'run', new Uint8Array(0), SOON())).resolves.toHaveLength(0);
      const failing = await load(guestWat('(i64.const 0)', initialize(3)));
      await expect(sandbox.call(failing, 'run', new Uint8Array(0), SOON())).rejects.toMatchObject({ kind: 'trap', message: expect.stringMatching(/proc_exit\(3\)/) });
    });
  });

  describe('load-time checks', () => {
    const cases: [string, string, RegExp][] = [
      ['an import the host does not provide', '(module (import "env" "get_secret" (func)) (memory (export "memory") 1))', /imports function env.get_secret, which the host does not provide/],
      ['an imported memory', '(module (import "env" "memory" (memory 1)))', /imports memory env.memory/],
      ['no exported memory', '(module (func (export "malloc") (param i32) (result i32) (i32.const 0)) (func (export "free") (param i32)))', /does not export its memory/],
      ['no malloc', '(module (memory (export "memory") 1) (func (export "free") (param i32)))', /does not export malloc/],
      ['a table over the cap', '(module (memory (export "memory") 1) (table 200000 funcref))', /^plugin wat: declares table 0 with 200000 initial entries, over the cap of 100000 \(Plugins.MaxTableEntries\)$/],
      [
        'tables over the cap together',
        '(module (memory (export "memory") 1) (table 60000 funcref) (table 50000 externref))',
        /^plugin wat: declares 110000 initial table entries \(table 0: 60000, table 1: 50000\), over the cap of 100000 \(Plugins.MaxTableEntries\)$/,
      ],
      ['too many tables', `(module (memory (export "memory") 1) ${'(table 0 funcref) '.repeat(101)})`, /^plugin wat: defines 101 tables; at most 100 are allowed$/],
      ['a shared memory', '(module (memory (export "memory") 1 1 shared))', /^plugin wat: declares its memory "memory" as shared \(threads\); plugins run one thread per call, so shared memory is refused$/],
    ];
    it.each(cases)('rejects %s', async (_name, wat, message) => {
      await expect(load(wat)).rejects.toMatchObject({ kind: 'bad_module', pluginId: 'wat', message: expect.stringMatching(message) });
    });

    it('lowers every table maximum so that all tables together never grow past the cap', async () => {
      const capped = new Sandbox({ minWorkers: 1, maxWorkers: 1, maxTableEntries: 1_000 });
      try {
        // 30 initial entries leave 970 to grow, 323 per table, whatever each declared (none, or 5M).
        const growsTo = (table: string, type: string) =>
          `(if (i32.ne (table.grow ${table} (ref.null ${type}) (i32.const 323)) (i32.const 10)) (then unreachable))
           (if (i32.ne (table.grow ${table} (ref.null ${type}) (i32.const 1)) (i32.const -1)) (then unreachable))`;
        const wat = guestWat(`${growsTo('$a', 'func')} ${growsTo('$b', 'extern')} ${growsTo('$c', 'func')} (i64.const 0)`, '(table $a 10 funcref) (table $b 10 externref) (table $c 10 5000000 funcref)');
        const module = await capped.load('tables', (await watToWasm(wat)) as Uint8Array<ArrayBuffer>);
        await expect(capped.call(module, 'run', new Uint8Array(0), SOON())).resolves.toHaveLength(0);
      } finally {
        await capped.close();
      }
    });

    it('rejects bytes that are not WebAssembly', async () => {
      await expect(sandbox.load('junk', new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({ kind: 'bad_module', message: expect.stringMatching(/plugin.wasm does not compile/) });
    });
  });

  describe('what a guest prints', () => {
    const FD_WRITE = '(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))';
    /** WAT that writes `text` to `fd`, `times` times; its iovec sits at `at`, the text 64 bytes on. */
    const print = (fd: number, text: string, { at = 16, times = 1 } = {}) => {
      const le32 = (n: number) => [0, 8, 16, 24].map((shift) => `\\${((n >> shift) & 255).toString(16).padStart(2, '0')}`).join('');
      return {
        body: `(local.set $i (i32.const 0)) (loop $again (drop (call $write (i32.const ${fd}) (i32.const ${at}) (i32.const 1) (i32.const 8))) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $again (i32.lt_u (local.get $i) (i32.const ${times}))))`,
        data: `(data (i32.const ${at}) "${le32(at + 64)}${le32(text.length)}") (data (i32.const ${at + 64}) "${text}")`,
      };
    };
    const LOCALS = '(local $i i32)';
    const printed: [string, string, { stdout: string; stderr: string }][] = [];
    let logging: Sandbox;
    beforeEach(() => {
      printed.length = 0;
      logging = new Sandbox({ minWorkers: 1, maxWorkers: 1, onGuestOutput: (pluginId, exportName, output) => printed.push([pluginId, exportName, output]) });
    });
    afterEach(() => logging.close());
    const loadPrinting = async (wat: string) => logging.load('talker', (await watToWasm(wat)) as Uint8Array<ArrayBuffer>);

    it('a trap carries the stdout a TinyGo panic went to', async () => {
      const out = print(1, 'panic: nil map');
      const module = await loadPrinting(guestWat(`${LOCALS} ${out.body} unreachable`, `${FD_WRITE} ${out.data}`));
      const error = await logging.call(module, 'run', new Uint8Array(0), SOON()).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'trap', message: 'plugin talker: export run failed: unreachable (stdout: panic: nil map)' });
      expect(printed).toEqual([]);
    });

    it("a successful call's stdout and stderr reach onGuestOutput with plugin and export", async () => {
      const out = print(1, 'to stdout');
      const err = print(2, 'to stderr', { at: 256 });
      const module = await loadPrinting(guestWat(`${LOCALS} ${out.body} ${err.body} (i64.const 0)`, `${FD_WRITE} ${out.data} ${err.data}`));
      await logging.call(module, 'run', new Uint8Array(0), SOON());
      expect(printed).toEqual([['talker', 'run', { stdout: 'to stdout', stderr: 'to stderr' }]]);
    });

    it("a plugin error string's call reports its output too", async () => {
      const out = print(1, 'looking');
      const module = await loadPrinting(guestWat(`${LOCALS} ${out.body} ${packed(200, 0x8000_0004)}`, `${FD_WRITE} ${out.data} (data (i32.const 200) "oops")`));
      await expect(logging.call(module, 'run', new Uint8Array(0), SOON())).rejects.toMatchObject({ kind: 'plugin_error' });
      expect(printed).toEqual([['talker', 'run', { stdout: 'looking', stderr: '' }]]);
    });

    it('keeps only the tail of a chatty guest, 2048 characters per stream', async () => {
      const out = print(1, '0123456789', { times: 1000 });
      const module = await loadPrinting(guestWat(`${LOCALS} ${out.body} (i64.const 0)`, `${FD_WRITE} ${out.data}`));
      await logging.call(module, 'run', new Uint8Array(0), SOON());
      expect(printed[0][2].stdout).toBe('0123456789'.repeat(205).slice(-2048));
    });
  });

  describe('start functions', () => {
    it('runs _start before every call of a command module shaped like TinyGo\'s, taking proc_exit(0) as success', async () => {
      const module = await sandbox.load('tinygo', (await watFixture('tinygo-shaped')) as Uint8Array<ArrayBuffer>);
      expect(module.start).toBe('_start');
      await expect(sandbox.apiVersion(module, 'metadata_agent_api_version', 5_000)).resolves.toBe(1);
      for (const name of ['Nirvana', 'Björk']) {
        const reply = await sandbox.call(module, BIOGRAPHY, ArtistBiographyRequest.encode({ id: name, name: '', mbid: '' }).finish(), SOON());
        expect(ArtistBiographyResponse.decode(reply).biography).toBe(name);
      }
    });

    it("a TinyGo panic's stdout is in the error", async () => {
      const module = await sandbox.load('tinygo', (await watFixture('tinygo-shaped')) as Uint8Array<ArrayBuffer>);
      await expect(sandbox.call(module, 'metadata_agent_get_artist_mbid', new Uint8Array(0), SOON())).rejects.toMatchObject({
        kind: 'trap',
        message: 'plugin tinygo: export metadata_agent_get_artist_mbid failed: unreachable (stdout: panic: runtime error: nil pointer dereference)',
      });
    });

    it('a _start that exits non-zero fails the call, naming _start', async () => {
      const module = await load(guestWat('(i64.const 0)', '(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (func (export "_start") (call $exit (i32.const 2)))'));
      await expect(sandbox.call(module, 'run', new Uint8Array(0), SOON())).rejects.toMatchObject({ kind: 'trap', message: 'plugin wat: export run failed: _start: proc_exit(2)' });
    });

    it('a module exporting both runs _initialize only', async () => {
      const module = await load(guestWat('(i64.const 0)', '(func (export "_initialize")) (func (export "_start") unreachable)'));
      expect(module.start).toBe('_initialize');
      await expect(sandbox.call(module, 'run', new Uint8Array(0), SOON())).resolves.toHaveLength(0);
    });

    it('a module exporting neither runs nothing first', async () => {
      const module = await sandbox.load('fixture', fixtureWasm());
      expect(module.start).toBeUndefined();
    });
  });

  describe('invalid wasm is refused even where the recycling rewrite would make it valid', () => {
    /** `wat` compiled, then the one occurrence of `from` in it replaced by `to`. */
    async function patched(wat: string, from: number[], to: number[]): Promise<Uint8Array<ArrayBuffer>> {
      const bytes = Buffer.from(await watToWasm(wat));
      const at = bytes.indexOf(Buffer.from(from));
      expect([at >= 0, bytes.indexOf(Buffer.from(from), at + 1)]).toEqual([true, -1]);
      bytes.set(to, at);
      expect(WebAssembly.validate(bytes)).toBe(false);
      return new Uint8Array(bytes);
    }

    it('a local index one past the function\'s own locals (the rewrite adds locals)', async () => {
      // run's locals are its two parameters and $x (index 2); the store's address reads index 3.
      const wasm = await patched(guestWat('(local $x i32) (i32.store (local.get $x) (i32.const 7)) (i64.const 0)'), [0x20, 0x02, 0x41, 0x07], [0x20, 0x03, 0x41, 0x07]);
      await expect(sandbox.load('too-far', wasm)).rejects.toMatchObject({ kind: 'bad_module', message: expect.stringMatching(/^plugin too-far: plugin\.wasm does not compile: .*invalid local index: 3/) });
    });

    it('an export of a function index one past the module\'s own (the rewrite adds a function)', async () => {
      // The functions are $spare (0, given first), malloc, free and run (3); the export "spare" is patched to name 4.
      const wasm = await patched(guestWat('(i64.const 0)', '(func $spare) (export "spare" (func $spare))'), [...Buffer.from('spare'), 0x00, 0x00], [...Buffer.from('spare'), 0x00, 0x04]);
      await expect(sandbox.load('too-far', wasm)).rejects.toMatchObject({ kind: 'bad_module', message: expect.stringMatching(/^plugin too-far: plugin\.wasm does not compile: .*function index 4 out of bounds/) });
    });
  });

  it('apiVersion calls the version export in a fresh instance', async () => {
    const module = await sandbox.load('fixture', fixtureWasm());
    await expect(sandbox.apiVersion(module, 'metadata_agent_api_version', 5_000)).resolves.toBe(1);
  });
});

describe('Sandbox host calls', () => {
  const encoder = new TextEncoder();
  const ECHO_WAT = guestWat(
    '(call $echo (local.get $ptr) (local.get $len))',
    '(import "env" "echo" (func $echo (param i32 i32) (result i64)))',
    16,
  );
  let gate = defer<void>();
  let entered: { count: number; all: ReturnType<typeof defer<void>>; expected: number } = { count: 0, all: defer<void>(), expected: 0 };
  let sandbox: Sandbox;

  beforeEach(() => {
    gate = defer<void>();
    entered = { count: 0, all: defer<void>(), expected: 4 };
    sandbox = new Sandbox({
      minWorkers: 1,
      maxWorkers: 4,
      idleMs: 50,
      hostFunctions: ['echo', 'wait', 'fail'],
      async hostCall(caller, name, request) {
        if (name === 'echo') return { ok: true, bytes: new Uint8Array([...encoder.encode(`${caller.pluginId}:`), ...request]) };
        if (name === 'fail') return { ok: false, fault: 'host', message: 'nope' };
        if (++entered.count === entered.expected) entered.all.resolve();
        await gate.promise;
        return { ok: true, bytes: new Uint8Array(0) };
      },
    });
  });
  afterEach(() => sandbox.close());

  const load = async (id: string, wat: string) => sandbox.load(id, (await watToWasm(wat)) as Uint8Array<ArrayBuffer>);

  it('knows the calling plugin from the job, and carries messages larger than the channel in chunks', async () => {
    const module = await load('echoer', ECHO_WAT);
    const big = new Uint8Array(200 * 1024).map((_, i) => i % 251);
    const output = await sandbox.call(module, 'run', big, SOON());
    expect(Buffer.from(output.subarray(0, 7)).toString()).toBe('echoer:');
    expect(output.subarray(7)).toEqual(big);
    await expect(sandbox.call(module, 'run', encoder.encode('hi'), SOON())).resolves.toEqual(encoder.encode('echoer:hi'));
  });

  it('carries requests and replies of every size at the edges of a host-channel chunk and of a job slot', async () => {
    const module = await load('echoer', ECHO_WAT);
    // The host's reply and the rpc's output are the request and 7 bytes more ("echoer:").
    const sizes = [0, 1, ...[CHANNEL_BYTES, 2 * CHANNEL_BYTES, SLOT_BYTES].flatMap((edge) => [edge - 8, edge - 7, edge - 6, edge - 1, edge, edge + 1])];
    for (const size of sizes) {
      const request = new Uint8Array(size).map((_, i) => (i * 7 + size) % 251);
      const output = await sandbox.call(module, 'run', request, SOON());
      expect({ size, length: output.length, same: Buffer.from(output).equals(Buffer.concat([encoder.encode('echoer:'), request])) }).toEqual({ size, length: size + 7, same: true });
    }
  });

  it('grows past minWorkers while workers are blocked in host calls, then shrinks when idle', async () => {
    const module = await load('waiter', guestWat('(call $wait (local.get $ptr) (local.get $len))', '(import "env" "wait" (func $wait (param i32 i32) (result i64)))'));
    const calls = Array.from({ length: 4 }, () => sandbox.call(module, 'run', new Uint8Array([1]), SOON()));
    await entered.all.promise;
    expect(sandbox.workers).toBe(4);
    gate.resolve();
    await Promise.all(calls);
    for (let i = 0; i < 100 && sandbox.workers > 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sandbox.workers).toBe(1);
  });

  it('a deadline passing during a host call ends the call, and the pool recovers', async () => {
    entered.expected = 1;
    const module = await load('waiter', guestWat('(call $wait (local.get $ptr) (local.get $len))', '(import "env" "wait" (func $wait (param i32 i32) (result i64)))'));
    const stuck = sandbox.call(module, 'run', new Uint8Array([1]), { deadline: Date.now() + 100, timeoutMs: 5_000 });
    await expect(stuck).rejects.toMatchObject({ kind: 'deadline', pluginId: 'waiter' });
    gate.resolve();
    const echoer = await load('echoer', ECHO_WAT);
    await expect(sandbox.call(echoer, 'run', encoder.encode('ok'), SOON())).resolves.toEqual(encoder.encode('echoer:ok'));
  });

  it('a host failure fails the call naming the host function', async () => {
    const module = await load('failer', guestWat('(call $fail (local.get $ptr) (local.get $len))', '(import "env" "fail" (func $fail (param i32 i32) (result i64)))'));
    await expect(sandbox.call(module, 'run', new Uint8Array([1]), SOON())).rejects.toMatchObject({
      kind: 'internal',
      message: 'plugin failer: export run: host function env.fail failed: nope',
    });
  });

  it('a request pointer outside guest memory is a bad_abi error, before the host is asked', async () => {
    const module = await load('liar', guestWat('(call $echo (i32.const 2000000) (i32.const 10))', '(import "env" "echo" (func $echo (param i32 i32) (result i64)))'));
    await expect(sandbox.call(module, 'run', new Uint8Array(0), SOON())).rejects.toMatchObject({
      kind: 'bad_abi',
      message: expect.stringContaining('called host function env.echo with ptr=2000000 len=10, outside its memory'),
    });
  });

  it('a module importing a host function the sandbox does not offer is rejected at load', async () => {
    await expect(load('greedy', guestWat('(i64.const 0)', '(import "env" "register_timer" (func (param i32 i32) (result i64)))'))).rejects.toMatchObject({
      kind: 'bad_module',
      message: expect.stringContaining('env.register_timer'),
    });
  });
});
