import { LongTimeout } from '../../../src/host/timer/long-timeout';
import { defer } from '../../helpers/defer';

describe('LongTimeout', () => {
  test('re-arms in slices until the clock reaches the due time, then fires once', async () => {
    let clock = 0;
    let reads = 0;
    const readThrice = defer();
    const now = () => {
      if (++reads === 3) readThrice.resolve();
      return clock;
    };
    const due = defer();
    let fired = 0;
    const timeout = new LongTimeout(100, () => (fired++, due.resolve()), { now, maxDelayMs: 1 });
    try {
      // Each slice reads the clock once; three reads mean two slices passed with 100 ms still to go.
      await readThrice.promise;
      expect(fired).toBe(0);
      clock = 100;
      await due.promise;
      expect(fired).toBe(1);
    } finally {
      timeout.clear();
    }
  });

  test('a cleared timeout never calls back', async () => {
    let fired = false;
    new LongTimeout(0, () => (fired = true)).clear();
    const later = defer();
    new LongTimeout(0, () => later.resolve());
    // Armed after the cleared one with the same delay, so it would have fired first.
    await later.promise;
    expect(fired).toBe(false);
  });
});
