/**
 * Memory over a long run: the sidecar's resident set after warm-up and after 10k to 400k calls
 * (concurrency 16, client in another process). Fresh instances must leave nothing
 * behind. The resident set alone cannot say so: V8 keeps the heap it grew to under load, so at
 * each mark the sidecar also runs a full collection and reports its live heap, which is what a
 * leak would grow.
 */
import { LoadClient, startSidecarServer } from './child-processes';
import type { BenchContext } from './context';
import { heading, mib, num } from './measure';
import { rssBytes } from './proc-stats';

export async function residentMemory(ctx: BenchContext): Promise<void> {
  const pluginsFolder = ctx.folders.plugins('rss-plugins', [{ id: 'fixture', wasm: ctx.fixture }]);
  const sidecar = await startSidecarServer({ pluginsFolder, dataFolder: ctx.folders.folder('rss-data') });
  const client = new LoadClient();
  const marks = ctx.options.quick ? [10_000, 30_000] : [10_000, 100_000, 250_000, 400_000];
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
    // The resident set rises while the threads' heaps and the allocator settle; after that it must not.
    const [before, last] = resident.slice(-2);
    const settled = last / before - 1;
    console.log(`  rss over the last ${(marks[marks.length - 1] - marks[marks.length - 2]).toLocaleString('en')} calls: ${(settled * 100).toFixed(1)}% ${settled <= 0.1 ? '(settled: ok)' : '(GROWING)'}`);
  } finally {
    client.close();
    await sidecar.close();
  }
}
