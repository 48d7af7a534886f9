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

/** A figure printed beside the goals to read them by, with no limit of its own (the hop floor). */
export interface Reference {
  readonly name: string;
  readonly values: readonly number[];
  readonly unit: 'x' | 'us';
}

export class GoalReport {
  private readonly checks: GoalCheck[] = [];
  private readonly references: Reference[] = [];

  add(check: GoalCheck): void {
    this.checks.push(check);
    console.log(`  => ${describe(check)}`);
  }

  refer(reference: Reference): void {
    this.references.push(reference);
    console.log(`  => ${describeReference(reference)}`);
  }

  /** Prints every goal measured in this run; returns how many failed. */
  print(): number {
    console.log('\nGoals (median over repeats; each figure against a baseline measured in the same run)');
    if (this.checks.length === 0) console.log('  none measured: run the grpc, curves and fanout sections');
    for (const check of this.checks) console.log(`  ${describe(check)}`);
    for (const reference of this.references) console.log(`  ${describeReference(reference)}`);
    return this.checks.filter((check) => !passes(check)).length;
  }
}

function passes(check: GoalCheck): boolean {
  const value = median(check.values);
  return check.direction === '<=' ? value <= check.limit : value >= check.limit;
}

function describe(check: GoalCheck): string {
  const limit = check.unit === 'x' ? `${check.limit}x` : `+${check.limit} us`;
  return `${passes(check) ? 'PASS' : 'FAIL'}  ${check.goal}: ${figures(check.values, check.unit, ` ${check.direction} ${limit}`)}`;
}

function describeReference(reference: Reference): string {
  return `ref.  ${reference.name}: ${figures(reference.values, reference.unit, '')}`;
}

/** The median, what follows it, then each repeat. */
function figures(values: readonly number[], unit: 'x' | 'us', after: string): string {
  const show = (value: number) => (unit === 'x' ? `${value.toFixed(2)}x` : `${value >= 0 ? '+' : ''}${value.toFixed(0)} us`);
  const each = values.length > 1 ? ` (repeats: ${values.map(show).join(', ')})` : '';
  return `${show(median(values))}${after}${each}`;
}
