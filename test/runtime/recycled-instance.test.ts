import { MemoryImage } from '../../src/runtime/memory-image';
import { analyseForRecycling, TRACKED_GROWTH_PAGES } from '../../src/runtime/recyclable-module';
import { RecycledInstance, trackingImports } from '../../src/runtime/recycled-instance';
import { watToWasm } from '../helpers/wat';

// What a restore copies back: the blocks the guest and the host wrote, each once, and no more.
// The bits of a dirty global were once shifted as a signed BigInt, so a write to the last block
// of a global's (its top bit) made the restore copy every block from there to the memory's end.

const BLOCK = 4096;

async function create(wat: string, start?: string) {
  const analysis = analyseForRecycling(await watToWasm(wat));
  if (!analysis.recyclable) throw new Error(analysis.reason);
  const { recyclable: _, bytes, ...recycle } = analysis;
  const tracked = trackingImports({}, analysis.blockBytes);
  const made = RecycledInstance.create({ module: await WebAssembly.compile(bytes), ...recycle }, tracked.imports, tracked.tracker, start === undefined ? undefined : (exports) => (exports[start] as () => void)());
  return { made, tracker: tracked.tracker };
}

async function recycled(wat: string) {
  const { made, tracker } = await create(wat);
  if (made === 'not-recyclable') throw new Error('expected a recyclable instance');
  return { instance: made, tracker };
}

describe('a restore copies back what was written, and only that', () => {
  let copied: number[];
  beforeEach(() => {
    copied = [];
    const copyBack = MemoryImage.prototype.copyBack;
    jest.spyOn(MemoryImage.prototype, 'copyBack').mockImplementation(function (this: MemoryImage, memory, block) {
      copied.push(block);
      copyBack.call(this, memory, block);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['the first block of a dirty global', [0]],
    ['the last block of the first dirty global (its top bit)', [31]],
    ['the first and last of the second', [32, 63]],
    ['blocks in three globals', [5, 31, 32, 100, 255]],
  ])('%s: %j', async (_name, blocks) => {
    const stores = blocks.map((block) => `(i32.store8 (i32.const ${block * BLOCK + 100}) (i32.const 1))`).join(' ');
    const { instance } = await recycled(`(module (memory (export "memory") 16 16) (func (export "f") ${stores}))`);
    (instance.exports.f as () => void)();
    expect(instance.restore()).toBe(true);
    expect(copied.sort((a, b) => a - b)).toEqual(blocks);
    const memory = new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
    expect(memory.every((byte) => byte === 0)).toBe(true);
  });

  it(`a start function that grows the memory more than ${TRACKED_GROWTH_PAGES} pages, past what is tracked: the instance is not kept`, async () => {
    const growing = (pages: number) => `(module (memory (export "memory") 2) (func (export "_initialize") (drop (memory.grow (i32.const ${pages})))) (func (export "f") (i32.store (i32.const 0) (i32.const 1))))`;
    expect((await create(growing(TRACKED_GROWTH_PAGES), '_initialize')).made).toBeInstanceOf(RecycledInstance);
    expect((await create(growing(TRACKED_GROWTH_PAGES + 1), '_initialize')).made).toBe('not-recyclable');
  });

  it("a block both the host and the guest wrote is copied once, in the host's blocks", async () => {
    const { instance, tracker } = await recycled(`(module (memory (export "memory") 16 16) (func (export "f") (i32.store (i32.const ${31 * BLOCK}) (i32.const 1))))`);
    new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer).fill(7, 31 * BLOCK - 10, 31 * BLOCK + 10);
    tracker.wrote(31 * BLOCK - 10, 20);
    (instance.exports.f as () => void)();
    expect(instance.restore()).toBe(true);
    expect(copied.sort((a, b) => a - b)).toEqual([30, 31]);
  });
});
