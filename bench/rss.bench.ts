/**
 * Memory over a long run: the sidecar's resident set after warm-up, after 10k and after 100k
 * calls (concurrency 16, client in another process). Fresh instances must leave nothing
 * behind, so the resident set should stay flat once the heap has settled.
 */
import { LoadClient, startSidecarServer } from './child-processes';
import type { BenchContext } from './context';
import { heading, mib, num } from './measure';
import { rssBytes } from './proc-stats';

export async function residentMemory(ctx: BenchContext): Promise<void> {
  const pluginsFolder = ctx.folders.plugins('rss-plugins', [{ id: 'fixture', wasm: ctx.fixture }]);
  const sidecar = await startSidecarServer({ pluginsFolder, dataFolder: ctx.folders.folder('rss-data') });
  const client = new LoadClient();
  const marks = ctx.options.quick ? [10_000, 30_000] : [10_000, 100_000];
  try {
    heading(`Sidecar RSS over ${marks[marks.length - 1].toLocaleString('en')} calls (concurrency 16)`);
    await client.run(sidecar, 16, 1_000);
    console.log(`  after ${'1,000'.padStart(8)} calls  rss ${mib(rssBytes(sidecar.pid))} MiB`);
    let done = 1_000;
    const seen: number[] = [];
    for (const mark of marks) {
      const run = await client.run(sidecar, 16, mark - done);
      done = mark;
      seen.push(run.rssBytes);
      console.log(`  after ${mark.toLocaleString('en').padStart(8)} calls  rss ${mib(run.rssBytes)} MiB   (${num(run.load.perSecond, 6, 0)} calls/s)`);
    }
    const growth = seen[seen.length - 1] / seen[0] - 1;
    console.log(`  growth from ${marks[0].toLocaleString('en')} to ${marks[marks.length - 1].toLocaleString('en')} calls: ${(growth * 100).toFixed(1)}% ${growth <= 0.1 ? '(flat: ok)' : '(GROWING)'}`);
  } finally {
    client.close();
    await sidecar.close();
  }
}
