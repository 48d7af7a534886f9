/** The gRPC edge: grpc-js wiring, health, reflection and the error -> status map. */
export {
  /** Starts the sidecar's gRPC server. */
  startServer,
} from './create-server';
export type { RunningServer, ServerOptions } from './create-server';
/** What telemetry implements to watch contract calls at the edge: one RpcWatch per rpc, bound at start. */
export type { ContractCallObserver, RpcWatch } from './contract-call-observer';
export {
  /** The status code an error maps to (the same map every call's status comes from). */
  grpcCodeOf,
} from './to-grpc-status';
