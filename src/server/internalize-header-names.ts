/**
 * Imported first by the process's entry points, for its side effect: it must run right after
 * `node:http2` is first loaded, so it loads it.
 *
 * Node 20 creates http2's header-name constants (`HTTP2_HEADER_DATE`, ...) as plain, not
 * internalized, strings, and its `processHeaders` adds the `date` header to every response with
 * `headers[HTTP2_HEADER_DATE] = ...`. V8 11's keyed-store IC compares that key by identity with the
 * internalized name in its feedback, so until the function is optimized each response misses to the
 * runtime, and each miss counts as a feedback change that keeps the function from being optimized:
 * it never is (measured: 100,000 calls, still baseline code; 5-10 us per call on the serving thread
 * at c=1). Using such a string as a key turns it into a ThinString pointing at the internalized
 * one, and the scavenger then repoints every reference to a young ThinString at the internalized
 * string, including http2's own; an old one it leaves alone. A sidecar loads enough code before
 * its first response that the constant is old by then. Used as keys here, while they are young,
 * the constants are the internalized strings from the next scavenge on.
 */
import { constants } from 'node:http2';

const HEADER_NAME = /^HTTP2_HEADER_/;

const asKeys: Record<string, true> = {};
for (const [name, value] of Object.entries(constants)) {
  if (HEADER_NAME.test(name) && typeof value === 'string') asKeys[value] = true;
}
