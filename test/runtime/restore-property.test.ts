import { analyseForRecycling } from '../../src/runtime/recyclable-module';
import { InstanceSource, type BindInstance } from '../../src/runtime/instance-source';
import { startFunction } from '../../src/runtime/start-function';
import { pickWith, seededRandom } from '../helpers/seeded-random';
import { watToWasm } from '../helpers/wat';

// Issue 10, goal 4, drawn at random: guests made of every kind of write a module can do (plain,
// narrow, SIMD and lane, atomic and read-modify-write stores at any alignment, across page
// boundaries, in a loop, memory.fill/copy/init, global.set, memory.grow, calls that trap after
// writing; in a helper with parameters and locals of every type reached by call, call_indirect
// and return_call, in one that throws to a catch, behind br_table and a typed select), with the
// host writing the request, WASI out-parameters and an import of unknown effect writing too,
// start functions that are pure, read random bytes, or call the host, and wasm start sections
// that write, some of them what an import returned. Run through the worker's own
// InstanceSource, every call must begin from a fresh instance's memory, byte for byte, and
// globals, and compute what the original module computes. The cases come from a seed, so a
// failure replays.

const PAGE = 65536;
/** Where writes cross what is tracked: pages (the blocks of a module without a maximum), 4 KiB blocks, and a stride between. */
const UNITS = [PAGE, 4096, 16384];
const MODULES = 200;
const CALLS = 3;

/** name, bytes written, value type, natural alignment required (atomics), shape of the operands. */
type Store = readonly [op: string, size: number, type: 'i32' | 'i64' | 'f32' | 'f64' | 'v128', atomic: boolean, shape: 'store' | 'rmw' | 'cmpxchg' | 'lane'];
const STORES: readonly Store[] = [
  ['i32.store', 4, 'i32', false, 'store'],
  ['i64.store', 8, 'i64', false, 'store'],
  ['f32.store', 4, 'f32', false, 'store'],
  ['f64.store', 8, 'f64', false, 'store'],
  ['i32.store8', 1, 'i32', false, 'store'],
  ['i32.store16', 2, 'i32', false, 'store'],
  ['i64.store8', 1, 'i64', false, 'store'],
  ['i64.store16', 2, 'i64', false, 'store'],
  ['i64.store32', 4, 'i64', false, 'store'],
  ['v128.store', 16, 'v128', false, 'store'],
  ['v128.store32_lane', 4, 'v128', false, 'lane'],
  ['i32.atomic.store', 4, 'i32', true, 'store'],
  ['i64.atomic.store', 8, 'i64', true, 'store'],
  ['i32.atomic.store8', 1, 'i32', true, 'store'],
  ['i32.atomic.rmw.add', 4, 'i32', true, 'rmw'],
  ['i64.atomic.rmw16.xchg_u', 2, 'i64', true, 'rmw'],
  ['i32.atomic.rmw.cmpxchg', 4, 'i32', true, 'cmpxchg'],
];

const VALUE: Record<Store[2], string> = {
  i32: '(i32.xor (local.get $x) (i32.const 0x5a5a5a5a))',
  i64: '(i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 0x100000001))',
  f32: '(f32.convert_i32_u (local.get $x))',
  f64: '(f64.convert_i32_u (local.get $x))',
  v128: '(i32x4.splat (local.get $x))',
};

const GLOBAL_SETS = [
  '(global.set $a (i32.or (local.get $x) (i32.const 1)))',
  '(global.set $b (i64.extend_i32_u (local.get $x)))',
  '(global.set $c (f64.convert_i32_u (local.get $x)))',
];

interface Guest {
  readonly wat: string;
  readonly pages: number;
  readonly traps: boolean;
  /** What the module's wasm start section does: nothing (none), write, or write what an import returned. */
  readonly section: 'none' | 'pure' | 'host';
}

function guest(random: () => number): Guest {
  const pick = pickWith(random);
  const int = (below: number): number => Math.floor(random() * below);
  // Enough pages that another write seldom lands on the page a missed one dirtied.
  const pages = 1 + int(8);
  const grows = random() < 0.25;
  const maximum = grows ? pick([` ${pages + 1}`, ` ${pages + 70}`, '']) : pick([` ${pages}`, '']);
  const bytes = pages * PAGE;
  /**
   * An effective address for `size` bytes, aligned to `align`: half the time at the end of a page
   * or of a block writes are tracked in (4 KiB; 64 KiB without a maximum), before it, across it or after it.
   */
  const address = (size: number, align: number): number => {
    const unit = pick(UNITS);
    const at = random() < 0.5 ? (1 + int(bytes / unit)) * unit - size + int(2 * size - 1) : int(bytes);
    const inside = Math.max(0, Math.min(bytes - size, at));
    return inside - (inside % align);
  };
  const dataAt = int(bytes - 40);
  const hex = (length: number): string => Array.from({ length }, () => `\\${int(256).toString(16).padStart(2, '0')}`).join('');
  /** One store of a random kind at effective address `at` (or one drawn for it). */
  const store = (at?: number): string => {
    const [op, size, type, atomic, shape] = pick(STORES);
    const ea = at === undefined ? address(size, atomic ? size : 1) : Math.max(0, Math.min(bytes - size, at - (atomic ? at % size : 0)));
    const offset = Math.min(ea, int(3) * int(40));
    const memarg = offset > 0 ? ` offset=${offset}` : '';
    const base = `(i32.const ${ea - offset})`;
    if (shape === 'store') return `(${op}${memarg} ${base} ${VALUE[type]})`;
    if (shape === 'lane') return `(${op}${memarg} ${int(4)} ${base} ${VALUE[type]})`;
    if (shape === 'rmw') return `(drop (${op}${memarg} ${base} ${VALUE[type]}))`;
    return `(drop (${op}${memarg} ${base} (i32.const 0) ${VALUE[type]}))`;
  };
  /** Mostly short, sometimes up to the whole memory. */
  const length = (): number => (random() < 0.9 ? int(300) : int(bytes));
  /** 1 to `most` writes of any kind, some setting a global. */
  const writes = (most: number): string[] => {
    const body: string[] = [];
    for (let n = 1 + int(most); n > 0; n--) {
      const kind = int(13);
      if (kind < 6) body.push(store());
      else if (kind === 6) {
        // A store, then another from the same block across its end: the block marked last must not hide the next one.
        const unit = pick(UNITS);
        const block = int(bytes / unit);
        body.push(store(block * unit + int(unit - 64)), store((block + 1) * unit - 1 - int(3)));
      } else if (kind === 7) {
        const fill = length();
        body.push(`(memory.fill (i32.const ${int(bytes - fill + 1)}) (local.get $x) (i32.const ${fill}))`);
      } else if (kind === 8) {
        // Mostly from the data segment: a copy of zeros onto zeros would change nothing to find.
        const copy = length();
        const from = random() < 0.7 ? Math.min(dataAt, bytes - copy) : int(bytes - copy + 1);
        body.push(`(memory.copy (i32.const ${int(bytes - copy + 1)}) (i32.const ${from}) (i32.const ${copy}))`);
      } else if (kind === 9) {
        body.push(`(memory.init $passive (i32.const ${address(16, 1)}) (i32.const 0) (i32.const 16))`);
      } else if (kind === 10) {
        // The host writes a WASI out-parameter (tracked from the import's arguments).
        const count = 1 + int(100);
        body.push(`(drop (call $random_get (i32.const ${int(bytes - count)}) (i32.const ${count})))`);
      } else {
        // A loop whose stores move between pages, or stay on one.
        const stride = pick([4, 4092, 4096, 4104, 16384, PAGE - 4, PAGE + 8]);
        const count = 1 + int(Math.min(8, Math.floor((bytes - 8) / stride) + 1));
        const first = int(bytes - (count - 1) * stride - 8 + 1);
        body.push(`(local.set $i (i32.const 0)) (block $done (loop $each
          (br_if $done (i32.ge_u (local.get $i) (i32.const ${count})))
          (i64.store (i32.add (i32.const ${first}) (i32.mul (local.get $i) (i32.const ${stride}))) (i64.extend_i32_u (local.get $x)))
          (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $each)))`);
      }
      if (random() < 0.2) body.push(pick(GLOBAL_SETS));
    }
    return body;
  };
  /** An import whose writes the host cannot know. */
  const poke = (): string => {
    const length = 1 + int(64);
    return `(call $poke (i32.const ${int(bytes - length)}) (i32.const ${length}) (local.get $x))`;
  };
  // A helper with parameters and locals of every type before its own, reached by call,
  // call_indirect and return_call, and one that throws after writing, caught in run.
  const types = ['i32', 'i64', 'f32', 'f64', 'v128'] as const;
  const constant = { i32: '(i32.const 1)', i64: '(i64.const 2)', f32: '(f32.const 3)', f64: '(f64.const 4)', v128: '(v128.const i64x2 5 6)' };
  const params = Array.from({ length: int(4) }, () => pick(types));
  const locals = Array.from({ length: int(4) }, () => pick(types));
  const args = `${params.map((type) => constant[type]).join(' ')} (local.get $x)`;
  const helper = `(func $h (type $h) ${params.map((type) => `(param ${type})`).join(' ')} (param $x i32) ${locals.map((type) => `(local ${type})`).join(' ')} (local $i i32)
      ${writes(2).join('\n      ')})
    (func $thrower (param $x i32) (local $i i32)
      ${writes(2).join('\n      ')}
      (throw $e))`;
  const body = writes(5);
  const around = (inner: string): string =>
    pick([
      `${inner} (call $h ${args})`,
      `(call_indirect (type $h) ${args} (i32.const 0)) ${inner}`,
      `(try (do ${inner} (call $thrower (local.get $x))) (catch $e))`,
      `(block $odd (block $even (br_table $even $odd (i32.and (local.get $x) (i32.const 1)))) ${inner})`,
      `(if (i32.eq (select (result i32) (i32.const 1) (i32.const 2) (local.get $x)) (i32.const 1)) (then ${inner}))`,
    ]);
  for (let n = int(3); n > 0; n--) {
    const place = int(body.length);
    body.splice(place, 1, around(body[place] ?? '(nop)'));
  }
  if (random() < 0.15) body.splice(int(body.length + 1), 0, poke());
  if (grows) body.push(`(drop (memory.grow (i32.const 1))) (i32.store (i32.const ${bytes + int(PAGE - 4)}) (local.get $x))`);
  // Some calls fail after their writes: the instance is then never used again.
  const traps = random() < 0.15;
  if (traps) body.push('(if (i32.eqz (i32.rem_u (local.get $x) (i32.const 3))) (then unreachable))');
  else if (random() < 0.2) body.push(`(return_call $h ${args})`);
  // A start function that writes; one that also reads random bytes (run again before every call,
  // ahead of it where the worker is idle), or calls an import that must not run ahead, bare or
  // inside a catch_all that would swallow the host's refusal to run it ahead.
  const start = pick(['none', 'pure', 'random', 'host', 'caught'] as const);
  const late = { none: [], pure: [], random: ['(drop (call $random_get (i32.const 64) (i32.const 32)))'], host: [poke()], caught: ['(local.set $x (i32.const 0x5a))', `(try (do ${poke()}) (catch_all))`] }[start];
  const initialize = start === 'none' ? [] : [...writes(3), ...late];
  // A wasm start section runs inside instantiation, before the host can see the memory: one that
  // calls an import (a clock, say) may leave each instance different, so none may be kept.
  const section = random() < 0.8 ? 'none' : pick(['pure', 'host'] as const);
  const boot = [
    `(local.set $x (i32.const ${int(1000)}))`,
    // Not random_get: the host cannot reach an instance's memory before its exports exist.
    ...writes(2).filter((line) => !line.includes('$random_get')),
    ...(section === 'host' ? [`(i32.store (i32.const ${address(4, 1)}) (call $tick))`, '(global.set $a (call $tick))'] : []),
  ];
  const wat = `(module
    (type $h (func ${params.map((type) => `(param ${type})`).join(' ')} (param i32)))
    (import "host" "poke" (func $poke (param i32 i32 i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
    (import "host" "tick" (func $tick (result i32)))
    (memory (export "memory") ${pages}${maximum})
    (data (i32.const ${dataAt}) "${hex(1 + int(40))}")
    (data $passive "${hex(16)}")
    (global $a (mut i32) (i32.const ${int(1000)}))
    (global $b (mut i64) (i64.const ${int(1000)}))
    (global $c (mut f64) (f64.const ${int(1000)}.5))
    (global $k i32 (i32.const 7))
    (tag $e)
    (table 1 funcref) (elem (i32.const 0) $h)
    ${helper}
    (func (export "run") (param $x i32) (local $i i32)
      ${body.join('\n      ')})
    ${section === 'none' ? '' : `(func $boot (local $x i32) (local $i i32)
      ${boot.join('\n      ')})
    (start $boot)`}
    ${start === 'none' ? '' : `(func (export "_initialize") (local $x i32) (local $i i32)
      ${initialize.join('\n      ')})`})`;
  return { wat, pages, traps, section };
}

/**
 * The host's side: `poke` fills guest memory (an import whose writes the tracker cannot know);
 * `random_get` writes bytes and `tick` returns a number that differ from one call to the next
 * (`epoch`, the call they are for) and are the same for every instance within a call, so a fresh
 * instance can be compared.
 */
function hostImports(memory: () => WebAssembly.Memory, epoch: () => number): WebAssembly.Imports {
  return {
    host: {
      poke: (at: number, length: number, value: number) => void new Uint8Array(memory().buffer, at, length).fill(value),
      tick: () => 0x1000 + epoch(),
    },
    wasi_snapshot_preview1: {
      random_get: (at: number, length: number) => {
        new Uint8Array(memory().buffer, at, length).forEach((_, k, bytes) => (bytes[k] = (at + 7 * k + length + 31 * epoch()) & 0xff));
        return 0;
      },
    },
  };
}

const bytesOf = (exports: WebAssembly.Exports): Buffer => Buffer.from((exports.memory as WebAssembly.Memory).buffer);

/** Runs `run(x)`; the trap's message, if it trapped. */
function run(exports: WebAssembly.Exports, x: number): string | undefined {
  try {
    (exports.run as (x: number) => void)(x);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('recycled instances, drawn at random: each call gets what a fresh instance would be', () => {
  it(`${MODULES} generated guests x ${CALLS} calls, as a worker runs them`, async () => {
    const random = seededRandom(20261127);
    for (let n = 0; n < MODULES; n++) {
      const { wat, pages, traps, section } = guest(random);
      const bytes = (await watToWasm(wat, `guest-${n}.wat`, { exceptions: true, tail_call: true })) as Uint8Array<ArrayBuffer>;
      const original = await WebAssembly.compile(bytes);
      const analysis = analyseForRecycling(bytes);
      if (!analysis.recyclable) throw new Error(`guest ${n} is not recyclable: ${analysis.reason}\n${wat}`);
      const variant = await WebAssembly.compile(analysis.bytes);
      const start = startFunction(WebAssembly.Module.exports(original).map((entry) => entry.name));
      let epoch = 0;
      /** A new instance with its start function run: what a call must begin from. */
      const fresh = (module: WebAssembly.Module): WebAssembly.Exports => {
        const exports: WebAssembly.Exports = new WebAssembly.Instance(module, hostImports(() => exports.memory as WebAssembly.Memory, () => epoch)).exports;
        if (start) (exports[start] as () => void)();
        return exports;
      };
      const variantGlobals = (exports: WebAssembly.Exports): unknown[] => analysis.globalExports.map((name) => (exports[name] as WebAssembly.Global).value as unknown);

      // The worker's own parts: a source of instances, bound as guest-call.ts binds them.
      let current: WebAssembly.Exports | undefined;
      const source = new InstanceSource({ module: variant, recycle: analysis }, hostImports(() => current?.memory as WebAssembly.Memory, () => epoch), 'fresh', start);
      const bind: BindInstance = (exports, startNow) => {
        current = exports;
        if (startNow) (exports[startNow] as () => void)();
      };
      for (let call = 0; call < CALLS; call++) {
        const x = Math.floor(random() * 2 ** 32);
        const request = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
        const at = Math.floor(random() * (pages * PAGE - request.length));
        const context = `guest ${n}, call ${call}, x=${x}, request at ${at}\n${wat}`;

        const pristine = Buffer.from(bytesOf(fresh(original)));
        const freshGlobals = variantGlobals(fresh(variant));
        const exports = source.acquire(bind);
        const memory = bytesOf(exports);
        const firstDifference = memory.equals(pristine) ? -1 : memory.findIndex((byte, index) => byte !== pristine[index]);
        expect({ context, firstDifference }).toEqual({ context, firstDifference: -1 });
        expect({ context, globals: variantGlobals(exports) }).toEqual({ context, globals: freshGlobals });
        // Writes are recorded only for an instance that is kept (a record nobody reads would grow).
        expect({ context, recorded: source.writes !== undefined }).toEqual({ context, recorded: section !== 'host' });

        // The request, as the host writes it (writeToGuest tells the instance's record).
        request.copy(memory, at);
        source.writes?.wrote(at, request.length);
        const trapped = run(exports, x);
        const expected = fresh(original);
        request.copy(bytesOf(expected), at);
        const expectedTrap = run(expected, x);
        expect({ context, trapped, memory: bytesOf(exports).equals(bytesOf(expected)) }).toEqual({ context, trapped: expectedTrap, memory: true });
        expect({ context, trapped: trapped !== undefined }).toEqual({ context, trapped: traps && x % 3 === 0 });
        source.finish(trapped === undefined);
        // As the worker does while idle, after the reply: a start function run now is the next call's.
        epoch = call + 1;
        if (source.startsAhead) source.tidy(bind);
      }
    }
  });
});
