import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CallContext, Handler } from '../services';
import { toGrpcStatus } from './to-grpc-status';

const PLUGIN_HEADER = 'x-plugin';

/** Adapts a service handler to grpc-js: reads `x-plugin` and the deadline, maps errors once. */
export function unaryCall<Req, Res>(handler: Handler<Req, Res>, log: Logger): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request, callContext(call)).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toGrpcStatus(error, log)),
    );
  };
}

function callContext(call: ServerUnaryCall<unknown, unknown>): CallContext {
  const [pluginId] = call.metadata.get(PLUGIN_HEADER);
  const deadline = call.getDeadline();
  return {
    pluginId: typeof pluginId === 'string' ? pluginId : undefined,
    deadline: deadline instanceof Date ? deadline.getTime() : deadline,
  };
}
