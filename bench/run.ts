/**
 * `npm run bench`: the figures of issue 10, each against a baseline measured in the same run
 * (the machines are shared and noisy: read ratios, not absolute numbers).
 *
 *   npm run bench                          # every section, 3 repeats: a few minutes on 2 vCPUs
 *   npm run bench -- --quick               # fewer calls, 1 repeat: checks the harness
 *   npm run bench -- --only grpc,fanout    # some sections
 *
 * Sections: grpc (goal 1), curves (goal 2), fanout (goal 3), peers, startup, rss, hostcall,
 * interrupt, telemetry, gomark (needs Go). Load for gRPC comes from a separate client process; servers run in their own
 * processes so /proc gives each one's CPU (all threads). The goals are printed with PASS/FAIL
 * at the end; the exit code is 0 either way (a benchmark, not a test).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context';
import { sandboxCurves } from './curves.bench';
import { fanOut } from './fanout.bench';
import { goMarking } from './go-marking.bench';
import { GoalReport } from './goals';
import { grpcGoal } from './grpc.bench';
import { hostCalls } from './host-call.bench';
import { interrupting } from './interrupt.bench';
import { parseOptions } from './options';
import { peers } from './peers.bench';
import { BenchFolders } from './plugin-folders';
import { residentMemory } from './rss.bench';
import { startUp } from './startup.bench';
import { telemetryCost } from './telemetry.bench';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'plugins', 'fixture', 'plugin.wasm');

const SECTIONS: ReadonlyArray<readonly [string, (ctx: BenchContext) => Promise<void>]> = [
  ['grpc', grpcGoal],
  ['curves', sandboxCurves],
  ['fanout', fanOut],
  ['peers', peers],
  ['startup', startUp],
  ['rss', residentMemory],
  ['hostcall', hostCalls],
  ['interrupt', interrupting],
  ['telemetry', telemetryCost],
  ['gomark', goMarking],
];

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), SECTIONS.map(([name]) => name));
  const fixture = new Uint8Array(readFileSync(FIXTURE));
  const folders = new BenchFolders();
  const goals = new GoalReport();
  const ctx: BenchContext = {
    options,
    goals,
    folders,
    fixture,
    calls: (full, floor = 1) => (options.quick ? Math.max(floor, Math.round(full / 10)) : full),
  };
  console.log(`ndphost bench: node ${process.version}, ${options.quick ? 'quick' : 'full'} run, ${options.repeats} repeat(s), fixture plugin ${fixture.length} bytes`);
  const started = performance.now();
  try {
    for (const [name, run] of SECTIONS) {
      if (options.only && !options.only.has(name)) continue;
      await run(ctx);
    }
  } finally {
    folders.remove();
  }
  const failed = goals.print();
  console.log(`\n${failed === 0 ? 'every goal measured passed' : `${failed} goal(s) not met`}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
