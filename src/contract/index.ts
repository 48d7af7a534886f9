/** The plugin contract: service names, export names and message codecs, from generated/ts. */
export { snake } from './snake';
export {
  /** The plugin services, as manifests name them. */
  SERVICE_NAMES,
  /** The rpcs of each service with their export names and codecs. */
  RPCS,
  /** `<snake(Service)>_api_version`. */
  apiVersionExport,
  /** The rpc export names of a service. */
  rpcExports,
  API_VERSION,
  /** Each plugin service's ts-proto definitions, grpc-js and generic. */
  SERVICE_DEFINITIONS,
} from './services';
export type { ServiceName, RpcContract, RpcTable, ServiceDefinitions, WireMessage } from './services';
export { decodeStrictly, emptyTest, encodeMessage, messageTypesOf, type GenericService, type MessageType } from './message-codec';
export {
  /** generated/descriptor-set.binpb, as buf compiled proto/. */
  DESCRIPTOR_SET_FILE,
  /** Its files' bytes, as compiled. */
  compiledFiles,
} from './descriptor-files';
export {
  /** Reads api.proto's descriptors for the wire-type checks of messages passed on; at start. */
  loadWireTypes,
} from './wire-types';
export {
  /** A grpc-js definition whose responses are encoded with the thread's reused writer. */
  withReusedWriter,
  /** A grpc-js definition whose responses are written as the bytes the handler answers with. */
  withForwardedResponses,
} from './grpc-definition';
