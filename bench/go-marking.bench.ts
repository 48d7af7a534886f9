/**
 * What marking stores for recycling costs the code a real compiler writes: a Go handler
 * (bench/go/handler.go: decode JSON, encode an answer) built by the machine's Go for GOOS=js,
 * called through Go's own glue, wasm_exec.js, as built and as rewritten, each in a process of its
 * own pinned to one CPU, alternating. Go's code stores constantly (its stack lives in linear
 * memory), which makes it the worst case among the toolchains' output, and the most common
 * toolchain of released Navidrome's plugins. wasip1, which those plugins use, came in Go 1.21 with
 * the same code generator. Needs Go (Debian's golang-go); the section says so and is skipped
 * without it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context';
import { heading, median, row, type Timing } from './measure';

const RUNNER = path.join(__dirname, 'go-glue-runner.js');
const SOURCE = path.join(__dirname, '..', '..', 'bench', 'go', 'handler.go');
const VARIANTS = ['original', 'marked'] as const;

export async function goMarking(ctx: BenchContext): Promise<void> {
  heading('Marking stores in code Go writes (bench/go/handler.go, GOOS=js, through wasm_exec.js; one CPU, alternating)');
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    console.log('  skipped: needs Go (Debian: golang-go; node scripts/debian-packages.js --install)');
    return;
  }
  const gopath = path.join(ctx.folders.root, 'gopath');
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: gopath, GOPROXY: 'off', GOFLAGS: '', GOOS: 'js', GOARCH: 'wasm', GOCACHE: path.join(__dirname, '..', '..', 'node_modules', '.cache', 'go-build') };
  const program = path.join(gopath, 'src', 'handler');
  mkdirSync(program, { recursive: true });
  copyFileSync(SOURCE, path.join(program, 'main.go'));
  const module = path.join(gopath, 'handler.wasm');
  execFileSync('go', ['build', '-o', module, 'handler'], { env, cwd: gopath });
  const glue = path.join(execFileSync('go', ['env', 'GOROOT'], { env, encoding: 'utf8' }).trim(), 'misc', 'wasm', 'wasm_exec.js');
  console.log(`  ${go.stdout.trim()}`);

  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const calls = ctx.calls(20_000, 1_000);
  const run = (variant: (typeof VARIANTS)[number]): Timing => {
    const command = [process.execPath, RUNNER, glue, module, variant, String(calls)];
    const output = pinned ? execFileSync('taskset', ['-c', '0', ...command], { encoding: 'utf8' }) : execFileSync(command[0], command.slice(1), { encoding: 'utf8' });
    return JSON.parse(output) as Timing;
  };
  const rounds: Timing[][] = [];
  for (let r = 0; r < ctx.options.repeats * 2; r++) {
    const order = r % 2 ? [...VARIANTS].reverse() : VARIANTS;
    const round: Partial<Record<(typeof VARIANTS)[number], Timing>> = {};
    for (const variant of order) round[variant] = run(variant);
    rounds.push(VARIANTS.map((variant) => round[variant] as Timing));
  }
  VARIANTS.forEach((variant, k) => row(`handle(), ${variant === 'original' ? 'as built' : 'marked for recycling'}${pinned ? '' : ' (unpinned: no taskset)'}`, { p50: median(rounds.map((round) => round[k].p50)), p99: median(rounds.map((round) => round[k].p99)), perSecond: median(rounds.map((round) => round[k].perSecond)) }));
  ctx.goals.refer({ name: 'Go handler per-call p50, marked / as built (gomark)', values: rounds.map(([original, marked]) => marked.p50 / original.p50), unit: 'x' });
}
