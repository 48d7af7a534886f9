/** Measuring calls made from the bench process itself, and printing figures. */

export interface Stats {
  readonly name: string;
  readonly calls: number;
  /** Latency percentiles in microseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
  /** CPU of this whole process (every thread: workers included) per call, microseconds. */
  readonly cpuPerCall: number;
}

export type Timing = Omit<Stats, 'name'>;

/** Runs `fn` `calls` times with `concurrency` calls in flight; CPU is this process's, all threads. */
export async function timeCalls(calls: number, concurrency: number, fn: () => unknown): Promise<Timing> {
  const latencies = new Float64Array(calls);
  let issued = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, calls) }, async () => {
      while (issued < calls) {
        const index = issued++;
        const t0 = performance.now();
        await fn();
        latencies[index] = (performance.now() - t0) * 1000;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort();
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { calls, p50: at(0.5), p99: at(0.99), perSecond: calls / seconds, cpuPerCall: (used.user + used.system) / calls };
}

/** timeCalls after a warm-up (JIT, workers, connections). */
export async function measure(name: string, calls: number, concurrency: number, fn: () => unknown): Promise<Stats> {
  for (let i = 0; i < Math.max(5, Math.min(200, calls / 10)); i++) await fn();
  return { name, ...(await timeCalls(calls, concurrency, fn)) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The slope of the least-squares line through the points (xs[i], ys[i]). */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  const [mx, my] = [mean(xs), mean(ys)];
  let covariance = 0;
  let variance = 0;
  xs.forEach((x, i) => {
    covariance += (x - mx) * (ys[i] - my);
    variance += (x - mx) ** 2;
  });
  return covariance / variance;
}

/** A number for a table cell: `digits` decimals, right-aligned to `width`. */
export const num = (value: number, width = 8, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-').padStart(width);

export const mib = (bytes: number): string => num(bytes / 1024 / 1024, 7, 1);

export function heading(title: string): void {
  console.log(`\n${title}`);
}

/** One row of p50 / p99 / calls per second / CPU per call, named. */
export function row(name: string, stats: { p50: number; p99: number; perSecond: number; cpuPerCall?: number }, extra = ''): void {
  const cpu = stats.cpuPerCall === undefined ? '' : `   cpu/call ${num(stats.cpuPerCall)} us`;
  console.log(`  ${name.padEnd(46)} p50 ${num(stats.p50)} us   p99 ${num(stats.p99)} us   ${num(stats.perSecond, 7, 0)} calls/s${cpu}${extra}`);
}
