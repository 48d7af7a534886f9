/**
 * Goal 3: MetadataAgent fan-out at the gRPC level, concurrency 1, client in another process.
 * A sidecar with width-1 plugins that answer plugin:not_found, ordered before the fixture that
 * answers, against the same sidecar with the fixture alone. The README's semantics (the first
 * answer in Plugins.Order wins) are checked by the client: every reply must be the fixture's.
 */
import { LoadClient, startSidecarServer, type ServerProcess, type ServerRun } from './child-processes';
import type { BenchContext } from './context';
import { generatePlugin, SMALL } from './generated-plugins';
import { median, row } from './measure';

const WIDTHS = [1, 4, 16];

export async function fanOut(ctx: BenchContext): Promise<void> {
  const servers = new Map<number, ServerProcess>();
  const client = new LoadClient();
  try {
    for (const width of WIDTHS) {
      // Distinct tags: every miss plugin has its own bytes, so each is compiled like a real plugin.
      const misses = Array.from({ length: width - 1 }, (_, k) => ({ id: `miss-${String(k + 1).padStart(2, '0')}`, wasm: generatePlugin({ ...SMALL, miss: true, tag: `miss-${k}` }) }));
      const plugins = [...misses, { id: 'fixture', wasm: ctx.fixture }];
      const pluginsFolder = ctx.folders.plugins(`fanout-${width}`, plugins);
      const options = { pluginsFolder, dataFolder: ctx.folders.folder(`fanout-${width}-data`), order: plugins.map((plugin) => plugin.id) };
      servers.set(width, await startSidecarServer(options, `sidecar, ${width} plugin${width > 1 ? 's' : ''}`));
    }
    const calls = ctx.calls(1_500, 150);
    console.log(`\nMetadataAgent fan-out, concurrency 1: width-1 plugins answer not_found before the fixture answers (${calls} calls per run, x${ctx.options.repeats})`);
    await client.warmUp(servers.values(), 1, calls);
    const runs = new Map<number, ServerRun[]>(WIDTHS.map((width) => [width, []]));
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      for (const [width, server] of servers) {
        const run = await client.run(server, 1, calls);
        runs.get(width)?.push(run);
        row(`#${repeat + 1} ${run.server}`, { ...run.load, cpuPerCall: run.cpuPerCall });
      }
    }
    const p50s = (width: number) => (runs.get(width) ?? []).map((run) => run.load.p50);
    const one = p50s(1);
    console.log(`  p50 of 4 plugins / 1: ${median(p50s(4).map((p50, k) => p50 / one[k])).toFixed(2)}x`);
    ctx.goals.add({ goal: '3 fan-out p50, 16 plugins / 1 plugin (c=1)', values: p50s(16).map((p50, k) => p50 / one[k]), unit: 'x', limit: 2, direction: '<=' });
  } finally {
    client.close();
    await Promise.all([...servers.values()].map((server) => server.close()));
  }
}
