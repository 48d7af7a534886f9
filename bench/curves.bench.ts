/**
 * Goal 2 and the per-call cost curves of a fresh instance: Sandbox.call (hand-off to a pool
 * worker, fresh instance, call, reply) on generated modules that each vary one knob of the
 * small one, then a Go-sized module with all of them. Every figure is read against the 17 KB
 * fixture measured in the same run.
 */
import { ArtistBiographyRequest } from '../generated/ts/api';
import { Sandbox, type LoadedModule } from '../src/runtime';
import { EXPORT, type BenchContext } from './context';
import { generatePlugin, GO_SIZED, GO_SIZED_WITH_STARTUP_WORK, SMALL, type PluginShape } from './generated-plugins';
import { heading, measure, median, row, type Stats } from './measure';
import { pinnings } from './placement';

const REQUEST = ArtistBiographyRequest.encode({ id: '', name: 'bench', mbid: '' }).finish();

interface Curve {
  readonly title: string;
  readonly points: ReadonlyArray<readonly [string, PluginShape | 'fixture']>;
}

const CURVES: readonly Curve[] = [
  {
    title: 'module size (code only: filler functions never called)',
    points: [
      ['17 KB fixture (AssemblyScript)', 'fixture'],
      ['1 MB generated', { ...SMALL, fillerFunctions: 5_000, fillerBodyBytes: 200 }],
      ['4 MB generated', { ...SMALL, fillerFunctions: 20_000, fillerBodyBytes: 200 }],
    ],
  },
  {
    title: 'function table entries (one active element segment, distinct functions)',
    points: [
      ['0 entries', SMALL],
      ['1,000 entries', { ...SMALL, fillerFunctions: 1_000, fillerBodyBytes: 8, tableEntries: 1_000 }],
      ['20,000 entries', { ...SMALL, fillerFunctions: 20_000, fillerBodyBytes: 8, tableEntries: 20_000 }],
    ],
  },
  {
    title: 'initial memory',
    points: [
      ['1 page', SMALL],
      ['16 pages (1 MiB)', { ...SMALL, memoryPages: 16 }],
      ['256 pages (16 MiB), no data', { ...SMALL, memoryPages: 256 }],
      ['256 pages, 1.5 MB data segment', { ...SMALL, memoryPages: 256, dataBytes: 1_500_000 }],
    ],
  },
  {
    title: '_initialize work (heap bytes written from a random seed)',
    points: [
      ['none', SMALL],
      ['256 KB', { ...SMALL, memoryPages: 8, initBytes: 256 * 1024 }],
    ],
  },
  {
    title: 'response size',
    points: [
      ['1 KB', { ...SMALL, responseBytes: 1_000 }],
      ['100 KB', { ...SMALL, responseBytes: 100_000 }],
      ['1 MB', { ...SMALL, responseBytes: 1_000_000 }],
    ],
  },
];

/** Calls per measurement: fewer for the expensive shapes, so the section stays within a minute. */
function callsFor(shape: PluginShape | 'fixture', ctx: BenchContext): number {
  const heavy = shape !== 'fixture' && (shape.memoryPages >= 256 || shape.tableEntries >= 20_000 || shape.fillerFunctions >= 20_000 || shape.responseBytes >= 1_000_000);
  return ctx.calls(heavy ? 300 : 2_000, heavy ? 30 : 200);
}

export async function sandboxCurves(ctx: BenchContext): Promise<void> {
  const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 2 });
  const modules = new Map<string, LoadedModule>();
  const load = async (label: string, shape: PluginShape | 'fixture') => {
    let module = modules.get(label);
    if (!module) {
      module = await sandbox.load(label, shape === 'fixture' ? ctx.fixture : generatePlugin(shape));
      modules.set(label, module);
    }
    return module;
  };
  const call = (module: LoadedModule) => () => sandbox.call(module, EXPORT, REQUEST, { timeoutMs: 60_000 });
  try {
    const fixture = await load('fixture', 'fixture');
    // The first is on one CPU, where a call's own cost is not hidden behind the wake-ups between two.
    const places = await pinnings(call(fixture));
    const curves = async () => {
      // Unreported: without it the baseline, measured first, came out at 66 us against 29-40 for
      // the same fixture a few rows later, and every ratio of the run with it.
      await measure('warm-up', 5 * callsFor('fixture', ctx), 1, call(fixture));
      const baseline = await measure('17 KB fixture (baseline)', callsFor('fixture', ctx), 1, call(fixture));
      heading(`Sandbox.call per-call curves, concurrency 1, ${places[0].name} (ratio: p50 over the 17 KB fixture in this run)`);
      row(baseline.name, baseline);
      for (const curve of CURVES) {
        console.log(`  ${curve.title}:`);
        for (const [label, shape] of curve.points) {
          const stats = await measure(`  ${label}`, callsFor(shape, ctx), 1, call(await load(label, shape)));
          row(stats.name, stats, `   ${(stats.p50 / baseline.p50).toFixed(2)}x`);
        }
      }
    };
    await places[0].run(curves);

    const goBytes = generatePlugin(GO_SIZED);
    const goSized = await sandbox.load('go-sized', goBytes);
    const withStartup = await sandbox.load('go-sized-startup', generatePlugin(GO_SIZED_WITH_STARTUP_WORK));
    const shape = `${(goBytes.length / 1e6).toFixed(1)} MB, 20k table entries, 16 MiB memory, 1.5 MB data; and with 256 KB of _initialize work`;
    /** Each repeat: the fixture, the Go-sized module, the Go-sized module with start-up work. */
    const measureGoal = async (title: string): Promise<Stats[][]> => {
      heading(`Goal 2: a Go-sized module (${shape}) vs the fixture, ${title}, ABAB x${ctx.options.repeats}`);
      const rounds: Stats[][] = [];
      for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
        const round = [
          await measure('17 KB fixture', callsFor('fixture', ctx), 1, call(fixture)),
          await measure('Go-sized', callsFor(GO_SIZED, ctx), 1, call(goSized)),
          await measure('Go-sized, 256 KB start-up work', callsFor(GO_SIZED_WITH_STARTUP_WORK, ctx), 1, call(withStartup)),
        ];
        for (const stats of round) row(`#${repeat + 1} ${stats.name}`, stats);
        rounds.push(round);
      }
      console.log(`  CPU per call / fixture: Go-sized ${median(rounds.map(([a, b]) => b.cpuPerCall / a.cpuPerCall)).toFixed(2)}x, with start-up work ${median(rounds.map(([a, , c]) => c.cpuPerCall / a.cpuPerCall)).toFixed(2)}x`);
      return rounds;
    };
    const report = (where: string, rounds: Stats[][]) => {
      ctx.goals.add({ goal: `2 Go-sized per-call p50 / 17 KB fixture (Sandbox.call, c=1, ${where})`, values: rounds.map(([a, b]) => b.p50 / a.p50), unit: 'x', limit: 3, direction: '<=' });
      ctx.goals.refer({ name: `Go-sized with 256 KB of start-up work, per-call p50 / fixture (${where})`, values: rounds.map(([a, , c]) => c.p50 / a.p50), unit: 'x' });
    };
    for (const place of places) report(place.name, await place.run(() => measureGoal(place.name)));
  } finally {
    await sandbox.close();
  }
}
