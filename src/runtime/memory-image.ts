/**
 * A recycled instance's memory at its restore point, page by page, keeping only the pages that
 * hold something: a module's initial memory is mostly zeros (a Go-sized module's 16 MiB hold
 * 1.5 MB of data), and a full copy of it committed every byte, for each instance in each worker.
 * A page of zeros is filled when it is put back, which writes the memory without reading an image.
 */
import { PAGE_BYTES as PAGE } from './recyclable-module';

const ZERO_PAGE = Buffer.alloc(PAGE);

export class MemoryImage {
  private constructor(
    /** The memory's size at the restore point. */
    readonly byteLength: number,
    /** Each page's bytes, or undefined for a page of zeros. */
    private readonly pages: readonly (Buffer | undefined)[],
  ) {}

  /**
   * The memory as it is now. Reading a page the guest never wrote maps the kernel's zero page,
   * so looking through a large initial memory commits nothing.
   */
  static of(memory: WebAssembly.Memory): MemoryImage {
    const view = Buffer.from(memory.buffer);
    const count = view.length / PAGE;
    const holding: number[] = [];
    for (let page = 0; page < count; page++) if (ZERO_PAGE.compare(view, page * PAGE, (page + 1) * PAGE) !== 0) holding.push(page);
    // One allocation for every page that holds something, cut into pages.
    const bytes = Buffer.allocUnsafeSlow(holding.length * PAGE);
    const pages: (Buffer | undefined)[] = new Array<Buffer | undefined>(count).fill(undefined);
    holding.forEach((page, k) => {
      const copy = bytes.subarray(k * PAGE, (k + 1) * PAGE);
      view.copy(copy, 0, page * PAGE, (page + 1) * PAGE);
      pages[page] = copy;
    });
    return new MemoryImage(view.length, pages);
  }

  get pageCount(): number {
    return this.pages.length;
  }

  /** Puts page `page` of `memory` back as it was. */
  copyBack(memory: Buffer, page: number): void {
    const image = this.pages[page];
    if (image) memory.set(image, page * PAGE);
    else memory.fill(0, page * PAGE, (page + 1) * PAGE);
  }

  /** Whether page `page` of `memory` is not as it was. */
  differs(memory: Buffer, page: number): boolean {
    return (this.pages[page] ?? ZERO_PAGE).compare(memory, page * PAGE, (page + 1) * PAGE) !== 0;
  }
}
