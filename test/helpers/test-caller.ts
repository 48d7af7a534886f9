import { EventEmitter } from 'node:events';

/** An incoming call as grpc-js keeps it (runtime's Caller): a flag, and an event when its caller gives up. */
export class TestCaller extends EventEmitter {
  cancelled = false;

  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}
