/**
 * What telemetry costs a call: the same sidecar with telemetry off (the call path of before
 * it existed: no observer is installed), with Prometheus metrics on, and with tracing on
 * (spans exported to a local OTLP/HTTP sink in this process), measured in turn at
 * concurrency 1 with the client in another process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadClient, startSidecarServer, type ServerRun } from './child-processes';
import type { BenchContext } from './context';
import { heading, num } from './measure';

export async function telemetryCost(ctx: BenchContext): Promise<void> {
  const pluginsFolder = ctx.folders.plugins('telemetry-plugins', [{ id: 'fixture', wasm: ctx.fixture, services: ['MetadataAgent'] }]);
  // Accepts every export and answers 200 at once, so the exporter's work is what is measured.
  const sink = createServer((request, response) => request.resume().on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  const variants: [string, string[]][] = [
    ['sidecar', []],
    ['sidecar+metrics', ['--metrics-address', '127.0.0.1:0']],
    ['sidecar+tracing', ['--tracing-enabled', 'true', '--tracing-endpoint', endpoint]],
  ];
  const servers = await Promise.all(variants.map(([name, args], index) => startSidecarServer({ pluginsFolder, dataFolder: ctx.folders.folder(`telemetry-data-${index}`), args }, name)));
  const client = new LoadClient();
  try {
    const calls = ctx.calls(3_000, 500);
    heading(`telemetry cost, concurrency 1 (${calls} calls per run, in turn x${ctx.options.repeats})`);
    await client.warmUp(servers, 1, calls);
    const runs: ServerRun[][] = [];
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      const round: ServerRun[] = [];
      for (const server of servers) round.push(await client.run(server, 1, calls));
      runs.push(round);
      for (const run of round) console.log(`  #${repeat + 1} ${run.server.padEnd(20)} p50 ${num(run.load.p50)} us   p99 ${num(run.load.p99)} us   server cpu/call ${num(run.cpuPerCall)} us`);
    }
    for (let index = 1; index < servers.length; index++) {
      const cpu = runs.map((round) => round[index].cpuPerCall / round[0].cpuPerCall);
      const p50 = runs.map((round) => round[index].load.p50 - round[0].load.p50);
      console.log(`  => ${servers[index].name} vs off: server cpu/call ${cpu.map((value) => value.toFixed(2)).join(', ')}x   p50 ${p50.map((value) => `${value >= 0 ? '+' : ''}${value.toFixed(0)}`).join(', ')} us`);
    }
  } finally {
    client.close();
    await Promise.all(servers.map((server) => server.close()));
    await new Promise((resolve) => sink.close(resolve));
  }
}
