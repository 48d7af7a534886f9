/**
 * The goals of issue 10, each checked against a ratio measured in the same run, collected as
 * sections run and printed together at the end.
 */
import { median } from './measure';

export interface GoalCheck {
  readonly goal: string;
  /** The figure per repeat (a ratio, or microseconds over the baseline). */
  readonly values: readonly number[];
  readonly unit: 'x' | 'us';
  /** The limit and its direction: the figure must be at most (`<=`) or at least (`>=`) it. */
  readonly limit: number;
  readonly direction: '<=' | '>=';
}

export class GoalReport {
  private readonly checks: GoalCheck[] = [];

  add(check: GoalCheck): void {
    this.checks.push(check);
    console.log(`  => ${describe(check)}`);
  }

  /** Prints every goal measured in this run; returns how many failed. */
  print(): number {
    console.log('\nGoals (median over repeats; each figure against a baseline measured in the same run)');
    if (this.checks.length === 0) console.log('  none measured: run the grpc, curves and fanout sections');
    for (const check of this.checks) console.log(`  ${describe(check)}`);
    return this.checks.filter((check) => !passes(check)).length;
  }
}

function passes(check: GoalCheck): boolean {
  const value = median(check.values);
  return check.direction === '<=' ? value <= check.limit : value >= check.limit;
}

function describe(check: GoalCheck): string {
  const show = (value: number) => (check.unit === 'x' ? `${value.toFixed(2)}x` : `${value >= 0 ? '+' : ''}${value.toFixed(0)} us`);
  const each = check.values.length > 1 ? ` (repeats: ${check.values.map(show).join(', ')})` : '';
  const limit = check.unit === 'x' ? `${check.limit}x` : `+${check.limit} us`;
  return `${passes(check) ? 'PASS' : 'FAIL'}  ${check.goal}: ${show(median(check.values))} ${check.direction} ${limit}${each}`;
}
