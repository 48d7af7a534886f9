import { leastSquaresSlope } from '../../bench/measure';
import { residentTrend } from '../../bench/rss.bench';

const MIB = 1024 * 1024;
const mib = (values: number[]): number[] => values.map((value) => value * MIB);
const FULL_MARKS = [10_000, 100_000, 150_000, 200_000, 250_000, 300_000, 350_000, 400_000];

describe('the rss section\'s verdict', () => {
  it('fits the least-squares line', () => {
    expect(leastSquaresSlope([0, 1, 2, 3], [3, 5, 7, 9])).toBeCloseTo(2, 12);
    expect(leastSquaresSlope([0, 1, 2, 3], [1, 3, 1, 3])).toBeCloseTo(0.4, 12);
  });

  it('reads the swings of a settled sidecar as settled, where the last two marks alone read +11.1%', () => {
    // The eighteenth session's last full run (the README's table then): 10k / 100k / 250k / 400k calls.
    expect(residentTrend([10_000, 100_000, 250_000, 400_000], mib([156, 169, 156, 174]))).toBeLessThan(0.1);
    // A run of the eight marks (2026-11-29): the resident set fell and rose by up to 12 MiB a mark.
    expect(residentTrend(FULL_MARKS, mib([167.4, 152.1, 162.9, 144.2, 149.3, 155.5, 143.7, 140.8]))).toBeCloseTo(-0.087, 2);
  });

  it('reads a leak as growth, where the last two marks alone would call it shrinking', () => {
    // 2 KiB of native memory kept per call, at 10k calls a mark (`--quick`, measured).
    expect(residentTrend([10_000, 20_000, 30_000, 40_000], mib([163.6, 188.8, 212.9, 238.2]))).toBeGreaterThan(0.2);
    // 6 MiB more every 50k calls (~125 bytes a call), the last mark caught low by a swing of the heaps.
    expect(residentTrend(FULL_MARKS, mib([160, 150, 156, 162, 168, 174, 180, 172]))).toBeGreaterThan(0.1);
  });
});
