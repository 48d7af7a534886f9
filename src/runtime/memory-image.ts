/**
 * A recycled instance's memory at its restore point, block by block (the blocks its writes are
 * tracked in, recyclable-module.ts), keeping only the blocks that hold something: a module's
 * initial memory is mostly zeros (a Go-sized module's 16 MiB hold 1.5 MB of data), and a full copy
 * of it committed every byte, for each instance in each worker. A block of zeros is filled when it
 * is put back, which writes the memory without reading an image.
 */
import { PAGE_BYTES } from './wasm-sections';

/** Zeros to compare with, as long as the largest block. */
const ZEROS = Buffer.alloc(PAGE_BYTES);

export class MemoryImage {
  private constructor(
    /** The memory's size at the restore point. */
    readonly byteLength: number,
    readonly blockBytes: number,
    /** Each block's bytes, or undefined for a block of zeros. */
    private readonly blocks: readonly (Buffer | undefined)[],
    private readonly zeros = ZEROS.subarray(0, blockBytes),
  ) {}

  /**
   * The memory as it is now. Reading a page the guest never wrote maps the kernel's zero page,
   * so looking through a large initial memory commits nothing.
   */
  static of(memory: WebAssembly.Memory, blockBytes: number): MemoryImage {
    const view = Buffer.from(memory.buffer);
    const count = view.length / blockBytes;
    const zeros = ZEROS.subarray(0, blockBytes);
    const holding: number[] = [];
    for (let block = 0; block < count; block++) if (zeros.compare(view, block * blockBytes, (block + 1) * blockBytes) !== 0) holding.push(block);
    // One allocation for every block that holds something, cut into blocks.
    const bytes = Buffer.allocUnsafeSlow(holding.length * blockBytes);
    const blocks: (Buffer | undefined)[] = new Array<Buffer | undefined>(count).fill(undefined);
    holding.forEach((block, k) => {
      const copy = bytes.subarray(k * blockBytes, (k + 1) * blockBytes);
      view.copy(copy, 0, block * blockBytes, (block + 1) * blockBytes);
      blocks[block] = copy;
    });
    return new MemoryImage(view.length, blockBytes, blocks);
  }

  get blockCount(): number {
    return this.blocks.length;
  }

  /** Puts block `block` of `memory` back as it was. */
  copyBack(memory: Buffer, block: number): void {
    const image = this.blocks[block];
    if (image) memory.set(image, block * this.blockBytes);
    else memory.fill(0, block * this.blockBytes, (block + 1) * this.blockBytes);
  }

  /** Whether block `block` of `memory` is not as it was. */
  differs(memory: Buffer, block: number): boolean {
    return (this.blocks[block] ?? this.zeros).compare(memory, block * this.blockBytes, (block + 1) * this.blockBytes) !== 0;
  }
}
