/** A response body as undici hands it out: async chunks, destroyable. */
export interface BodyStream extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Reads a body whole, or stops at the first byte past `maxBytes` and returns undefined: a
 * plugin gets the complete body or an error, never a silently truncated one.
 */
export async function readCappedBody(body: BodyStream, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    // Leaving the loop destroys the stream, closing the connection instead of draining the
    // rest of a body that may be endless.
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Drops a body unread, closing its connection; undici reports that as an error nobody needs. */
export function discardBody(body: BodyStream): void {
  body.on('error', () => undefined);
  body.destroy();
}
