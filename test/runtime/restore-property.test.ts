import { analyseForRecycling } from '../../src/runtime/recyclable-module';
import { RecycledInstance, trackingImports } from '../../src/runtime/recycled-instance';
import { pickWith, seededRandom } from '../helpers/seeded-random';
import { watToWasm } from '../helpers/wat';

// Issue 10, goal 4, drawn at random: guests made of every kind of write a module can do (plain,
// narrow, SIMD and lane, atomic and read-modify-write stores at any alignment, across page
// boundaries, in a loop, memory.fill/copy/init, global.set, memory.grow), with the host writing
// a request and an import of unknown effect writing too. For each, the recycled instance must
// compute what the original module computes, and its restore must give back a fresh instance's
// memory, byte for byte, and its globals. The cases come from a seed, so a failure replays.

const PAGE = 65536;
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
  readonly grows: boolean;
}

function guest(random: () => number): Guest {
  const pick = pickWith(random);
  const int = (below: number): number => Math.floor(random() * below);
  // Enough pages that another write seldom lands on the page a missed one dirtied.
  const pages = 1 + int(8);
  const grows = random() < 0.25;
  const maximum = grows ? pick([` ${pages + 1}`, ` ${pages + 70}`, '']) : pick([` ${pages}`, '']);
  const bytes = pages * PAGE;
  /** An effective address for `size` bytes, aligned to `align`: half the time at a page's end, before it, across it or after it. */
  const address = (size: number, align: number): number => {
    const at = random() < 0.5 ? (1 + int(pages)) * PAGE - size + int(2 * size - 1) : int(bytes);
    const inside = Math.max(0, Math.min(bytes - size, at));
    return inside - (inside % align);
  };
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
  const body: string[] = [];
  for (let n = 1 + int(5); n > 0; n--) {
    const kind = int(12);
    if (kind < 6) body.push(store());
    else if (kind === 6) {
      // A store, then another from the same page across its end: the page marked last must not hide the next one.
      const page = int(pages);
      body.push(store(page * PAGE + int(PAGE - 64)), store((page + 1) * PAGE - 1 - int(3)));
    } else if (kind === 7) {
      const fill = length();
      body.push(`(memory.fill (i32.const ${int(bytes - fill + 1)}) (local.get $x) (i32.const ${fill}))`);
    } else if (kind === 8) {
      const copy = length();
      body.push(`(memory.copy (i32.const ${int(bytes - copy + 1)}) (i32.const ${int(bytes - copy + 1)}) (i32.const ${copy}))`);
    } else if (kind === 9) {
      body.push(`(memory.init $passive (i32.const ${address(16, 1)}) (i32.const 0) (i32.const 16))`);
    } else {
      // A loop whose stores move between pages, or stay on one.
      const stride = pick([4, 4096, 16384, PAGE - 4, PAGE + 8]);
      const count = 1 + int(Math.min(8, Math.floor((bytes - 8) / stride) + 1));
      const start = int(bytes - (count - 1) * stride - 8 + 1);
      body.push(`(local.set $i (i32.const 0)) (block $done (loop $each
        (br_if $done (i32.ge_u (local.get $i) (i32.const ${count})))
        (i64.store (i32.add (i32.const ${start}) (i32.mul (local.get $i) (i32.const ${stride}))) (i64.extend_i32_u (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $each)))`);
    }
    if (random() < 0.2) body.push(pick(GLOBAL_SETS));
  }
  if (random() < 0.15) {
    const poke = 1 + int(64);
    body.splice(int(body.length + 1), 0, `(call $poke (i32.const ${int(bytes - poke)}) (i32.const ${poke}) (local.get $x))`);
  }
  if (grows) body.push(`(drop (memory.grow (i32.const 1))) (i32.store (i32.const ${bytes + int(PAGE - 4)}) (local.get $x))`);
  const wat = `(module
    (import "host" "poke" (func $poke (param i32 i32 i32)))
    (memory (export "memory") ${pages}${maximum})
    (data (i32.const ${int(bytes - 40)}) "${hex(1 + int(40))}")
    (data $passive "${hex(16)}")
    (global $a (mut i32) (i32.const ${int(1000)}))
    (global $b (mut i64) (i64.const ${int(1000)}))
    (global $c (mut f64) (f64.const ${int(1000)}.5))
    (global $k i32 (i32.const 7))
    (func (export "run") (param $x i32) (local $i i32)
      ${body.join('\n      ')}))`;
  return { wat, pages, grows };
}

/** The host's side: `poke` fills guest memory, an import whose writes the tracker cannot know. */
function hostImports(memory: () => WebAssembly.Memory): WebAssembly.Imports {
  return { host: { poke: (at: number, length: number, value: number) => new Uint8Array(memory().buffer, at, length).fill(value) } };
}

describe('recycled instances, drawn at random: a restore gives back a fresh instance', () => {
  it(`${MODULES} generated guests x ${CALLS} calls, each with a request the host writes`, async () => {
    const random = seededRandom(20261127);
    for (let n = 0; n < MODULES; n++) {
      const { wat, pages, grows } = guest(random);
      const bytes = (await watToWasm(wat, `guest-${n}.wat`)) as Uint8Array<ArrayBuffer>;
      const original = await WebAssembly.compile(bytes);
      const analysis = analyseForRecycling(bytes);
      if (!analysis.recyclable) throw new Error(`guest ${n} is not recyclable: ${analysis.reason}\n${wat}`);
      const variant = await WebAssembly.compile(analysis.bytes);
      const fresh = (module: WebAssembly.Module): WebAssembly.Exports => {
        const exports: WebAssembly.Exports = new WebAssembly.Instance(module, hostImports(() => exports.memory as WebAssembly.Memory)).exports;
        return exports;
      };
      const pristine = Buffer.from((fresh(original).memory as WebAssembly.Memory).buffer.slice(0));
      const freshGlobals = (() => {
        const exports = fresh(variant);
        return analysis.globalExports.map((name) => (exports[name] as WebAssembly.Global).value as unknown);
      })();

      let recycled: RecycledInstance | 'not-recyclable' | undefined;
      const { imports, tracker } = trackingImports(hostImports(() => (recycled as RecycledInstance).exports.memory as WebAssembly.Memory));
      recycled = RecycledInstance.create({ module: variant, ...analysis }, imports, tracker, undefined);
      if (recycled === 'not-recyclable') throw new Error(`guest ${n}: its instance was not kept`);
      for (let call = 0; call < CALLS; call++) {
        const x = Math.floor(random() * 2 ** 32);
        // The request, as the host writes it into a fresh instance (writeToGuest tells the tracker).
        const request = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
        const at = Math.floor(random() * (pages * PAGE - request.length));
        const expected = fresh(original);
        request.copy(Buffer.from((expected.memory as WebAssembly.Memory).buffer), at);
        (expected.run as (x: number) => void)(x);
        request.copy(Buffer.from((recycled.exports.memory as WebAssembly.Memory).buffer), at);
        tracker.wrote(at, request.length);
        (recycled.exports.run as (x: number) => void)(x);

        const context = `guest ${n}, call ${call}, x=${x}, request at ${at}\n${wat}`;
        const after = Buffer.from((recycled.exports.memory as WebAssembly.Memory).buffer);
        expect({ context, same: after.equals(Buffer.from((expected.memory as WebAssembly.Memory).buffer)) }).toEqual({ context, same: true });
        const restored = recycled.restore();
        // A memory that grew cannot shrink: the instance is replaced, as InstanceSource does.
        expect({ context, restored }).toEqual({ context, restored: !grows });
        if (!restored) break;
        const memory = Buffer.from((recycled.exports.memory as WebAssembly.Memory).buffer);
        const firstDifference = memory.equals(pristine) ? -1 : memory.findIndex((byte, index) => byte !== pristine[index]);
        expect({ context, firstDifference }).toEqual({ context, firstDifference: -1 });
        expect({ context, globals: analysis.globalExports.map((name) => ((recycled as RecycledInstance).exports[name] as WebAssembly.Global).value as unknown) }).toEqual({ context, globals: freshGlobals });
      }
    }
  });
});
