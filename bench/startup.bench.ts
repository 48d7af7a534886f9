/**
 * Start-up time (spawn to every plugin loaded and the server listening) and resident memory of
 * the sidecar with 1, 10 and 100 plugins, each a copy of the fixture with its own bytes (so
 * each is compiled), and with 10 copies of the Go-sized module (what real Navidrome plugins weigh),
 * against a bare grpc-js server process started the same way.
 */
import { setTimeout } from 'node:timers/promises';
import { startBareServer, startSidecarServer, type ServerProcess } from './child-processes';
import type { BenchContext } from './context';
import { GO_SIZED, generatePlugin, withTag } from './generated-plugins';
import { heading, median, mib, num } from './measure';
import { rssBytes } from './proc-stats';

const SETTLE_MS = 1_000;

export async function startUp(ctx: BenchContext): Promise<void> {
  heading(`Start-up to serving, and RSS once serving and a second later (median of ${ctx.options.repeats})`);
  const report = async (name: string, start: () => Promise<ServerProcess>) => {
    const times: number[] = [];
    const rss: number[] = [];
    const settled: number[] = [];
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      const server = await start();
      times.push(server.startMs);
      rss.push(rssBytes(server.pid));
      // Loading's own threads and garbage outlive the start by a little (the module preparer stops
      // 200 ms after its last module); what stays is what serving costs.
      await setTimeout(SETTLE_MS);
      settled.push(rssBytes(server.pid));
      await server.close();
    }
    console.log(`  ${name.padEnd(34)} start ${num(median(times), 7, 0)} ms   rss ${mib(median(rss))} MiB, ${SETTLE_MS / 1000} s later ${mib(median(settled))} MiB`);
  };
  await report('grpc-js, no plugin (baseline)', startBareServer);
  for (const count of [1, 10, 100]) {
    const plugins = Array.from({ length: count }, (_, k) => ({ id: `fixture-${String(k + 1).padStart(3, '0')}`, wasm: withTag(ctx.fixture, `copy-${k}`) }));
    const pluginsFolder = ctx.folders.plugins(`startup-${count}`, plugins);
    await report(`sidecar, ${count} plugin${count > 1 ? 's' : ''}`, () => startSidecarServer({ pluginsFolder, dataFolder: ctx.folders.folder(`startup-${count}-data`) }));
  }
  const goSized = generatePlugin(GO_SIZED);
  const heavy = Array.from({ length: 10 }, (_, k) => ({ id: `go-sized-${String(k + 1).padStart(2, '0')}`, wasm: withTag(goSized, `copy-${k}`) }));
  const heavyFolder = ctx.folders.plugins('startup-go-sized', heavy);
  await report('sidecar, 10 Go-sized plugins', () => startSidecarServer({ pluginsFolder: heavyFolder, dataFolder: ctx.folders.folder('startup-go-sized-data') }));
}
