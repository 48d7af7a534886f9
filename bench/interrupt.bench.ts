/**
 * Interrupting: how far past its deadline a spinning guest is stopped, and what arming a
 * deadline on every call costs in throughput (with vs without).
 */
import wabt from 'wabt';
import { ArtistBiographyRequest } from '../generated/ts/api';
import { Sandbox } from '../src/runtime';
import { EXPORT, type BenchContext } from './context';
import { heading, measure, row } from './measure';

const REQUEST = ArtistBiographyRequest.encode({ id: '', name: 'bench', mbid: '' }).finish();

export async function interrupting(ctx: BenchContext): Promise<void> {
  const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 2 });
  try {
    const spin = (await wabt()).parseWat('spin.wat', `(module (memory (export "memory") 1) (func (export "malloc") (param i32) (result i32) (i32.const 16))
      (func (export "free") (param i32)) (func (export "run") (param i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))`, {});
    const spinner = await sandbox.load('spin', new Uint8Array(spin.toBinary({}).buffer));
    const fixture = await sandbox.load('fixture', ctx.fixture);
    const runs = ctx.calls(30, 5);
    const overshoots: number[] = [];
    for (let i = 0; i < runs; i++) {
      const deadline = Date.now() + 20;
      await sandbox.call(spinner, 'run', REQUEST, { deadline, timeoutMs: 10_000 }).catch(() => overshoots.push(Date.now() - deadline));
      // The next call must not wait for a replacement worker: a spare takes the terminated one's place.
      await sandbox.call(fixture, EXPORT, REQUEST, { timeoutMs: 10_000 });
    }
    overshoots.sort((a, b) => a - b);
    heading(`Interrupting a guest spinning past a 20 ms deadline (${runs} runs)`);
    console.log(`  overshoot past the deadline: p50 ${overshoots[Math.floor(runs / 2)]} ms, max ${overshoots[runs - 1]} ms (target: at most 5 ms)`);
    const calls = ctx.calls(5_000, 500);
    const without = await measure('no deadline timer (baseline)', calls, 4, () => sandbox.call(fixture, EXPORT, REQUEST, { timeoutMs: Infinity }));
    const armed = await measure('deadline armed on every call', calls, 4, () => sandbox.call(fixture, EXPORT, REQUEST, { timeoutMs: 10_000 }));
    row(without.name, without);
    row(armed.name, armed);
    console.log(`  throughput ratio (armed / baseline, concurrency 4): ${(armed.perSecond / without.perSecond).toFixed(3)} (target: at least 0.95)`);
  } finally {
    await sandbox.close();
  }
}
