import { whenCancelled } from '../../src/runtime';
import { TestCaller } from '../helpers/test-caller';

describe('whenCancelled', () => {
  it("tells every watcher of a fan-out's caller through one listener, so EventEmitter never warns of a leak", () => {
    const warnings: Error[] = [];
    const warned = (warning: Error) => warnings.push(warning);
    process.on('warning', warned);
    try {
      const caller = new TestCaller();
      const told: number[] = [];
      for (let n = 0; n < 16; n++) whenCancelled(caller, () => told.push(n));
      expect(caller.listenerCount('cancelled')).toBe(1);
      caller.cancel();
      expect(told).toEqual(Array.from({ length: 16 }, (_, n) => n));
      expect(caller.listenerCount('cancelled')).toBe(0);
    } finally {
      process.off('warning', warned);
    }
    expect(warnings).toEqual([]);
  });

  it('leaves no listener once every watcher has stopped, and tells only those still watching', () => {
    const caller = new TestCaller();
    const told: string[] = [];
    const stopA = whenCancelled(caller, () => told.push('a'));
    const stopB = whenCancelled(caller, () => told.push('b'));
    stopA();
    stopB();
    expect(caller.listenerCount('cancelled')).toBe(0);
    // Watching again after that starts afresh.
    whenCancelled(caller, () => told.push('c'));
    const stopD = whenCancelled(caller, () => told.push('d'));
    stopD();
    expect(caller.listenerCount('cancelled')).toBe(1);
    caller.cancel();
    expect(told).toEqual(['c']);
  });
});
