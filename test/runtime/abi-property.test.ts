import { Sandbox } from '../../src/runtime';
import { packed } from '../helpers/guest-wat';
import { pickWith, seededRandom } from '../helpers/seeded-random';
import { watToWasm } from '../helpers/wat';

// The binary interface at its edges, drawn at random (docs/abi.md): guests whose malloc answers
// well, 0, outside memory or across its end; which call host functions with pointers and lengths
// inside, at the end of, across or far outside their memory, some of which fail; which trap; and
// which return nothing, bytes at any place, bytes over the response cap, or an error string that
// is a plugin's own, not_found, not_implemented, not UTF-8 or outside memory. Each call, through
// the worker pool, must give exactly what the interface says: the guest's bytes, or one error
// whose kind and message name the plugin, the export and what was wrong. The expectation is
// written from abi.md's rules here, not taken from the code under test. The cases come from a
// seed, so a failure replays.

const GUESTS = 300;
const PAGE = 65536;
const CAP = 100_000;
const ERROR_BIT = 0x8000_0000;
/** Where each guest keeps the bytes it returns: its data segment. */
const DATA = 256;
/** Where the well-behaved malloc starts handing out memory. */
const HEAP = 1024;

type Expected = { readonly output: Buffer } | { readonly kind: string; readonly message: string };

interface Guest {
  readonly wat: string;
  readonly input: Buffer;
  readonly expected: Expected;
}

const u32 = (value: number): number => value >>> 0;
const hex = (bytes: Uint8Array): string => [...bytes].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');

function guest(random: () => number, id: string): Guest {
  const pick = pickWith(random);
  const int = (below: number): number => Math.floor(random() * below);
  const pages = 1 + int(2);
  const size = pages * PAGE;
  const at = (problem: string): Expected => ({ kind: 'bad_abi', message: `plugin ${id}: export run ${problem}` });

  // malloc: a bump allocator, or one that answers 0, past the end, across it, or a negative i32.
  const malloc = pick(['bump', 'bump', 'bump', 'bump', 'bump', 'bump', 'zero', 'past', 'across', 'negative'] as const);
  const past = size + int(1000);
  const mallocBody = {
    bump: '(local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p)',
    zero: '(i32.const 0)',
    past: `(i32.const ${past})`,
    across: `(i32.sub (i32.const ${size}) (i32.shr_u (local.get $n) (i32.const 1)))`,
    negative: '(i32.const -16)',
  }[malloc];
  let heap = HEAP;
  /** What malloc(n) answers, and the failure the host must report when it will not do. */
  const allocate = (n: number): Expected | undefined => {
    const ptr = { bump: heap, zero: 0, past, across: size - (n >>> 1), negative: u32(-16) }[malloc];
    heap += n;
    const fits = ptr !== 0 && ptr + n <= size;
    return fits ? undefined : at(`malloc(${n}) returned ${ptr}, outside the ${size}-byte memory`);
  };

  const payload = Buffer.from(Array.from({ length: 1 + int(200) }, () => int(256)));
  const input = Buffer.from(Array.from({ length: pick([0, 1 + int(100)]) }, () => int(256)));
  let expected: Expected | undefined = input.length > 0 ? allocate(input.length) : undefined;

  const body: string[] = [];
  for (let n = int(3); n > 0 && !expected; n--) {
    const len = pick([0, 1 + int(64), 1 + int(64), 1 + int(64), -1]);
    const where = pick(['inside', 'inside', 'inside', 'inside', 'end', 'across', 'far'] as const);
    const ptr = { inside: int(size - 64), end: size - Math.max(len, 0), across: size - Math.max(len, 0) + 1, far: -64 }[where];
    const fn = pick(['echo', 'echo', 'echo', 'echo', 'echo', 'echo', 'fail', 'refuse'] as const);
    body.push(`(drop (call $${fn} (i32.const ${ptr}) (i32.const ${len})))`);
    if (!(u32(ptr) + u32(len) <= size)) expected = at(`called host function env.${fn} with ptr=${u32(ptr)} len=${u32(len)}, outside its memory`);
    else if (fn === 'fail') expected = { kind: 'internal', message: `plugin ${id}: export run: host function env.fail failed: the host gave up` };
    else if (fn === 'refuse') expected = { kind: 'bad_abi', message: `plugin ${id}: export run: host function env.refuse failed: that request is malformed` };
    else if (len > 0) expected = allocate(len); // the reply, the request's bytes, goes through malloc
  }
  if (!expected && random() < 0.1) {
    body.push('unreachable');
    expected = { kind: 'trap', message: `plugin ${id}: export run failed: unreachable` };
  }

  // The result: nothing, bytes or an error string, inside the memory, at its end, across it or
  // far out; or a length over the response cap.
  const result = pick(['empty', 'bytes', 'bytes', 'end', 'across', 'far', 'capped', 'error', 'not_found', 'not_implemented', 'not-utf8', 'error-outside'] as const);
  const text = Buffer.from(pick(['it broke', 'Ünïcödé fäïlüre 音楽', 'plugin:not_found ', '']), 'utf8');
  const data = { error: text, not_found: Buffer.from('plugin:not_found'), not_implemented: Buffer.from('plugin:not_implemented'), 'not-utf8': Buffer.from([0x61, 0xff, 0xfe]) }[result as string] ?? payload;
  const length = data.length;
  switch (result) {
    case 'empty':
      body.push('(i64.const 0)');
      expected ??= { output: Buffer.alloc(0) };
      break;
    case 'bytes':
      body.push(packed(DATA, length));
      expected ??= { output: payload };
      break;
    case 'end':
      // The last bytes of memory, which nothing wrote: zeros.
      body.push(packed(size - length, length));
      expected ??= { output: Buffer.alloc(length) };
      break;
    case 'across':
    case 'far': {
      const ptr = result === 'across' ? size - length + 1 : u32(-8);
      body.push(packed(ptr, length));
      expected ??= at(`returned ptr=${ptr} len=${length}, outside the ${size}-byte memory`);
      break;
    }
    case 'capped': {
      const over = CAP + 1 + int(1000);
      body.push(packed(0, over));
      expected ??= { kind: 'resource_exhausted', message: `plugin ${id}: export run returned ${over} bytes, over the ${CAP}-byte response cap` };
      break;
    }
    case 'error-outside':
      body.push(packed(size - 2, ERROR_BIT | 8));
      expected ??= at(`returned ptr=${size - 2} len=8, outside the ${size}-byte memory`);
      break;
    default:
      body.push(packed(DATA, ERROR_BIT | length));
      expected ??=
        result === 'not-utf8'
          ? at(`returned an error string that is not valid UTF-8 (ptr=${DATA} len=${length})`)
          : result === 'not_found'
            ? { kind: 'not_found', message: `plugin ${id}: not found` }
            : result === 'not_implemented'
              ? { kind: 'not_implemented', message: `plugin ${id} does not implement run` }
              : { kind: 'plugin_error', message: `plugin ${id}: ${text.toString('utf8')}` };
  }

  const wat = `(module
    (import "env" "echo" (func $echo (param i32 i32) (result i64)))
    (import "env" "fail" (func $fail (param i32 i32) (result i64)))
    (import "env" "refuse" (func $refuse (param i32 i32) (result i64)))
    (memory (export "memory") ${pages})
    (global $heap (mut i32) (i32.const ${HEAP}))
    (data (i32.const ${DATA}) "${hex(data)}")
    (func (export "malloc") (param $n i32) (result i32) (local $p i32) ${mallocBody})
    (func (export "free") (param i32))
    (func (export "run") (param $ptr i32) (param $len i32) (result i64)
      ${body.join('\n      ')}))`;
  return { wat, input, expected };
}

// Under either instance policy: a pooled instance keeps what earlier calls wrote, which none of
// these outcomes depends on.
describe.each(['fresh', 'pooled'] as const)('the binary interface, drawn at random, instances %s: every call gives what abi.md says', (instancePolicy) => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = new Sandbox({
      instancePolicy,
      minWorkers: 1,
      maxWorkers: 2,
      maxResponseBytes: CAP,
      hostFunctions: ['echo', 'fail', 'refuse'],
      async hostCall(_caller, name, request) {
        if (name === 'fail') return { ok: false, fault: 'host', message: 'the host gave up' };
        if (name === 'refuse') return { ok: false, fault: 'guest', message: 'that request is malformed' };
        return { ok: true, bytes: request.slice() };
      },
    });
  });
  afterAll(() => sandbox.close());

  it(`${GUESTS} generated guests, each called twice through the worker pool`, async () => {
    const random = seededRandom(20261127);
    for (let n = 0; n < GUESTS; n++) {
      const id = `guest-${n}`;
      const { wat, input, expected } = guest(random, id);
      const module = await sandbox.load(id, (await watToWasm(wat, `${id}.wat`)) as Uint8Array<ArrayBuffer>);
      for (let call = 0; call < 2; call++) {
        const outcome = await sandbox.call(module, 'run', input, { timeoutMs: 5_000 }).then(
          (output): Expected => ({ output: Buffer.from(output) }),
          (error: { kind?: string; message?: string }): Expected => ({ kind: error.kind ?? `not an NdpError: ${String(error)}`, message: error.message ?? '' }),
        );
        expect({ id, call, wat, outcome }).toEqual({ id, call, wat, outcome: expected });
      }
      sandbox.unload(module);
    }
  });
});
