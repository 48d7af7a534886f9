import { status, type handleUnaryCall, type Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { NdpError } from '../errors';
import type { CallContext, Handler } from '../services';
import type { ConcurrentCalls } from './concurrent-calls';
import type { RpcWatch } from './contract-call-observer';
import { toGrpcStatus } from './to-grpc-status';

const PLUGIN_HEADER = 'x-plugin';

/**
 * Adapts a service handler to grpc-js: reads `x-plugin` and the deadline, maps errors once. A
 * request that did not decode arrives as an error value (strict-request-decoders.ts), and a call
 * past the listener's limit is refused with one (concurrent-calls.ts): both are answered as the
 * handler's failures are.
 */
export function unaryCall<Req, Res>(handler: Handler<Req, Res>, log: Logger, calls: ConcurrentCalls, watch?: RpcWatch): handleUnaryCall<Req | NdpError, Res> {
  const handle = (request: Req | NdpError, context: CallContext): Promise<Res> => {
    const refusal = calls.enter();
    if (refusal !== undefined) return Promise.reject(refusal);
    return request instanceof NdpError ? Promise.reject(request) : handler(request, context);
  };
  // Chosen once per rpc: with no observer the call path is exactly what it was without telemetry.
  if (watch === undefined) {
    return (call, callback) => {
      handle(call.request, callContext(call, undefined)).then(
        (response) => {
          calls.leave();
          callback(null, response);
        },
        (error: unknown) => {
          calls.leave();
          callback(toGrpcStatus(error, log));
        },
      );
    };
  }
  return (call, callback) => {
    const started = performance.now();
    const trace = watch.started(...(watch.traced ? traceHeaders(call.metadata) : NO_TRACE_HEADERS));
    const context = callContext(call, trace);
    handle(call.request, context).then(
      (response) => {
        calls.leave();
        watch.ended(status.OK, context.pluginId, performance.now() - started, trace);
        callback(null, response);
      },
      (error: unknown) => {
        calls.leave();
        const failure = toGrpcStatus(error, log);
        watch.ended(failure.code ?? status.UNKNOWN, context.pluginId, performance.now() - started, trace);
        callback(failure);
      },
    );
  };
}

type TraceHeaders = [traceparent: string | undefined, tracestate: string | undefined];
const NO_TRACE_HEADERS: TraceHeaders = [undefined, undefined];

function traceHeaders(metadata: Metadata): TraceHeaders {
  const [traceparent] = metadata.get('traceparent');
  const [tracestate] = metadata.get('tracestate');
  return [typeof traceparent === 'string' ? traceparent : undefined, typeof tracestate === 'string' ? tracestate : undefined];
}

function callContext(call: ServerUnaryCall<unknown, unknown>, trace: unknown): CallContext {
  const [pluginId] = call.metadata.get(PLUGIN_HEADER);
  const deadline = call.getDeadline();
  return {
    pluginId: typeof pluginId === 'string' ? pluginId : undefined,
    deadline: deadline instanceof Date ? deadline.getTime() : deadline,
    trace,
    caller: call,
  };
}
