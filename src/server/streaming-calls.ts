import { status, type Server, type ServiceDefinition, type UntypedHandleCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';

/** What a server-streaming or bidi call is to us: something to end with a status. */
type StreamCall = EventEmitter;

/**
 * The streaming calls a server has open (health Watch, reflection). A graceful grpc-js shutdown
 * waits for every call to end, and a Watch without a deadline never does: so at shutdown these
 * are ended with UNAVAILABLE, which tells a client-side health checker to go elsewhere.
 */
export class StreamingCalls {
  private readonly open = new Set<StreamCall>();

  /**
   * What `addService` looks like to code that registers a service (our reflection,
   * grpc-health-check's addToServer): the same server, with every streaming handler tracked.
   */
  registrar(server: Server): Pick<Server, 'addService'> {
    return {
      addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => {
        const tracked = Object.fromEntries(
          Object.entries(implementation).map(([name, handler]) => {
            const method = definition[name] ?? Object.values(definition).find((candidate) => candidate.originalName === name);
            return [name, method?.responseStream ? this.track(handler) : handler];
          }),
        );
        server.addService(definition, tracked);
      },
    };
  }

  /** Ends every open streaming call with UNAVAILABLE; the client sees the status at once. */
  endAll(details: string): void {
    for (const call of this.open) call.emit('error', { code: status.UNAVAILABLE, details });
    this.open.clear();
  }

  private track(handler: UntypedHandleCall): UntypedHandleCall {
    return ((call: StreamCall) => {
      this.open.add(call);
      const forget = (): void => void this.open.delete(call);
      call.once('cancelled', forget);
      call.once('finish', forget);
      call.once('close', forget);
      (handler as (call: StreamCall) => void)(call);
    }) as UntypedHandleCall;
  }
}
