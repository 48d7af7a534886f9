/** The gRPC edge: grpc-js wiring, health, reflection and the error -> status map. */
export {
  /** Starts the sidecar's gRPC server. */
  startServer,
} from './create-server';
export type { RunningServer, ServerOptions } from './create-server';
