/**
 * Memory over a long run: the sidecar's resident set after warm-up and after 10k to 400k calls
 * (concurrency 16, client in another process). Fresh instances must leave nothing
 * behind. The resident set alone cannot say so: V8 keeps the heap it grew to under load, so at
 * each mark the sidecar also runs a full collection and reports its live heap, which is what a
 * leak would grow.
 */
import { LoadClient, startSidecarServer } from './child-processes';
import type { BenchContext } from './context';
import { heading, leastSquaresSlope, median, mib, num } from './measure';
import { rssBytes } from './proc-stats';

/**
 * The resident set's rise over the marks after the first, as a fraction of its median there: the
 * least-squares line through them, since the resident set swings +-10% from one mark to the next
 * as V8 resizes the heaps it keeps (156/169/156/174 MiB at 10k/100k/250k/400k calls in one run,
 * 167/167/159/146 in another), which two marks alone read as growth or shrinkage. Before the
 * second mark the threads' heaps and the allocator are still settling at the size the load asks.
 */
export function residentTrend(marks: readonly number[], resident: readonly number[]): number {
  const [settledMarks, settled] = [marks.slice(1), resident.slice(1)];
  return (leastSquaresSlope(settledMarks, settled) * (settledMarks[settledMarks.length - 1] - settledMarks[0])) / median(settled);
}

export async function residentMemory(ctx: BenchContext): Promise<void> {
  const pluginsFolder = ctx.folders.plugins('rss-plugins', [{ id: 'fixture', wasm: ctx.fixture }]);
  const sidecar = await startSidecarServer({ pluginsFolder, dataFolder: ctx.folders.folder('rss-data') });
  const client = new LoadClient();
  // Every 50k calls once settled, so that residentTrend has enough marks to see through the swings.
  const marks = ctx.options.quick ? [10_000, 20_000, 30_000, 40_000] : [10_000, 100_000, 150_000, 200_000, 250_000, 300_000, 350_000, 400_000];
  try {
    heading(`Sidecar RSS over ${marks[marks.length - 1].toLocaleString('en')} calls (concurrency 16)`);
    await client.run(sidecar, 16, 1_000);
    console.log(`  after ${'1,000'.padStart(8)} calls  rss ${mib(rssBytes(sidecar.pid))} MiB`);
    let done = 1_000;
    const live: number[] = [];
    const resident: number[] = [];
    for (const mark of marks) {
      const run = await client.run(sidecar, 16, mark - done);
      done = mark;
      const after = await sidecar.memory();
      live.push(after.heapUsed);
      resident.push(after.rss);
      console.log(
        `  after ${mark.toLocaleString('en').padStart(8)} calls  rss ${mib(run.rssBytes)} MiB, after a full GC: rss ${mib(after.rss)} MiB, heap ${mib(after.heapUsed)} MiB live of ${mib(after.heapTotal)} MiB   (${num(run.load.perSecond, 6, 0)} calls/s)`,
      );
    }
    const growth = live[live.length - 1] / live[0] - 1;
    console.log(`  live heap from ${marks[0].toLocaleString('en')} to ${marks[marks.length - 1].toLocaleString('en')} calls: ${(growth * 100).toFixed(1)}% ${growth <= 0.1 ? '(flat: ok)' : '(GROWING)'}`);
    const trend = residentTrend(marks, resident);
    console.log(
      `  rss trend from ${marks[1].toLocaleString('en')} to ${marks[marks.length - 1].toLocaleString('en')} calls: ${(trend * 100).toFixed(1)}% ${trend <= 0.1 ? '(settled: ok)' : '(GROWING)'}`,
    );
  } finally {
    client.close();
    await sidecar.close();
  }
}
