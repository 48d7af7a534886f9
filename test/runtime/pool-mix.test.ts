import { Sandbox, type HostCaller, type HostReply } from '../../src/runtime';
import { guestWat, packed } from '../helpers/guest-wat';
import { seededRandom } from '../helpers/seeded-random';
import { TestCaller } from '../helpers/test-caller';
import { watToWasm } from '../helpers/wat';

/**
 * The pool under a mix of everything at once, on few workers: host calls (which withdraw the
 * jobs written behind them), CPU work, plugins' not_found answers, guests stuck in a loop (whose
 * workers are terminated at their time limit, with jobs written behind them), many callers,
 * and callers that give up (at once, after a turn, or within 60 ms: queued, written ahead or
 * running by then). Every call must settle once, with its own outcome (a call cancelled before
 * it ran: `cancelled`, and its guest never ran), and the pool end idle. The mix comes from a
 * seeded generator, so a failure replays.
 */
const ECHO = guestWat('(call $echo (local.get $ptr) (local.get $len))', '(import "env" "echo" (func $echo (param i32 i32) (result i64)))');
const COUNT = guestWat('(local $i i32) (loop $count (br_if $count (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 200000)))) (i64.const 0)');
const MISS = guestWat(packed(64, 0x8000_0010), '(data (i32.const 64) "plugin:not_found")');
const SPIN = guestWat('(loop $spin (br $spin)) (i64.const 0)');
const KINDS = ['echo', 'count', 'miss', 'spin'] as const;
type Kind = (typeof KINDS)[number];

describe('the worker pool under a mix of calls', () => {
  it.each([
    ['none', 0],
    ['a fifth', 0.2],
  ])('12 callers x 25 calls on 2-3 workers, %s of them cancelled: every call gets its own outcome, and the pool ends idle', async (_share, cancelShare) => {
    const random = seededRandom(20261127);
    /** What the echo guests sent to the host: proof that a call ran. */
    const echoed = new Set<string>();
    const hostCall = async (caller: HostCaller, _name: string, request: Uint8Array): Promise<HostReply> => {
      echoed.add(Buffer.from(request).toString());
      // Answered at once, after a turn of the event loop, or after a timer.
      const wait = random();
      if (wait < 0.3) await new Promise((resolve) => setImmediate(resolve));
      else if (wait < 0.4) await new Promise((resolve) => setTimeout(resolve, 2));
      return { ok: true, bytes: new Uint8Array([...Buffer.from(`${caller.pluginId}:`), ...request]) };
    };
    const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 3, hostFunctions: ['echo'], hostCall });
    try {
      const modules = Object.fromEntries(
        await Promise.all(KINDS.map(async (kind) => [kind, await sandbox.load(kind, (await watToWasm({ echo: ECHO, count: COUNT, miss: MISS, spin: SPIN }[kind], `${kind}.wat`)) as Uint8Array<ArrayBuffer>)] as const)),
      );
      const pick = (): Kind => {
        const r = random();
        return r < 0.45 ? 'echo' : r < 0.7 ? 'count' : r < 0.96 ? 'miss' : 'spin';
      };
      const wrong: string[] = [];
      let settled = 0;
      const cancelled: string[] = [];
      await Promise.all(
        Array.from({ length: 12 }, async (_, caller) => {
          for (let n = 0; n < 25; n++) {
            // Several calls of a caller at once, like a fan-out.
            const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => ({ kind: pick(), input: Buffer.from(`${caller}-${n}-${k}`) }));
            await Promise.all(
              batch.map(async ({ kind, input }) => {
                const caller = new TestCaller();
                const call = sandbox.call(modules[kind], 'run', input, { timeoutMs: kind === 'spin' ? 50 : 20_000, caller });
                const gives = random();
                if (gives < cancelShare / 3) caller.cancel();
                else if (gives < (cancelShare * 2) / 3) setImmediate(() => caller.cancel());
                else if (gives < cancelShare) setTimeout(() => caller.cancel(), random() * 60);
                const outcome: { output?: string; error?: string } = await call.then(
                  (output) => ({ output: Buffer.from(output).toString() }),
                  (error: { kind?: string; pluginId?: string }) => ({ error: `${error.kind} ${error.pluginId}` }),
                );
                settled++;
                if (outcome.error === `cancelled ${kind}`) {
                  if (!caller.cancelled) wrong.push(`${kind} ${input.toString()}: cancelled, though its caller was not`);
                  cancelled.push(input.toString());
                  return;
                }
                // A loop ends at its time limit, or, waiting that long for a worker, as a deadline.
                const expected = { echo: [`{"output":"echo:${input.toString()}"}`], count: ['{"output":""}'], miss: ['{"error":"not_found miss"}'], spin: ['{"error":"plugin_timeout spin"}', '{"error":"deadline spin"}'] }[kind];
                if (!expected.includes(JSON.stringify(outcome))) wrong.push(`${kind} ${input.toString()}: ${JSON.stringify(outcome)}`);
              }),
            );
          }
        }),
      );
      // Answered when cancelled, maybe long before its worker came to it: looked at once all is done.
      for (const input of cancelled) if (echoed.has(input)) wrong.push(`${input}: cancelled, though its guest ran`);
      expect(wrong).toEqual([]);
      expect(settled).toBeGreaterThanOrEqual(12 * 25);
      // Some calls are cancelled before they run: at once, or while waiting behind others.
      if (cancelShare > 0) expect(cancelled.length).toBeGreaterThan(10);
      else expect(cancelled).toEqual([]);
      expect(sandbox.stats).toMatchObject({ busy: 0, blocked: 0, queued: 0 });
      expect(sandbox.workers).toBeGreaterThanOrEqual(2);
    } finally {
      await sandbox.close();
    }
  });
});
