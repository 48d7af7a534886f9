import { NdpError } from '../errors';

/**
 * The calls one listener is serving, against its MaxConcurrentCalls. Past the limit a call is
 * refused at once: waiting for a worker behind a thousand others would only have it time out
 * later, holding its request and stream meanwhile, and a caller told at once can fall back (as
 * grpcio's `maximum_concurrent_rpcs` answers RESOURCE_EXHAUSTED).
 *
 * Every `enter` is matched by one `leave` when the call is answered, refused calls included,
 * so the adapter releases in the same place whatever the outcome.
 */
export class ConcurrentCalls {
  private count = 0;
  // One refusal for every refused call: under a flood, no error (and stack) built per call.
  private readonly refusal: NdpError;

  constructor(readonly limit: number) {
    this.refusal = new NdpError('overloaded', `ndphost is serving ${limit} calls at once, its MaxConcurrentCalls: try again later`);
  }

  /** Counts a call in; returns the refusal when that puts the listener past its limit. */
  enter(): NdpError | undefined {
    return ++this.count > this.limit ? this.refusal : undefined;
  }

  leave(): void {
    this.count--;
  }

  /** Calls being served, refused ones not yet answered included. */
  get inFlight(): number {
    return this.count;
  }
}
