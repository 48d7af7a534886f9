import {
  LifecycleManagementDefinition,
  MetadataAgentDefinition,
  SchedulerCallbackDefinition,
  ScrobblerDefinition,
  TimerCallbackDefinition,
  WebSocketCallbackDefinition,
} from '../../generated/ts/api';
import { encodeMessage, type MessageType } from './message-codec';
import { snake } from './snake';

/**
 * The plugin services of api.proto, by the names manifests use: `services` in ndphost's form,
 * `capabilities` in released Navidrome's (which has SchedulerCallback and WebSocketCallback
 * instead of TimerCallback).
 */
export const SERVICE_NAMES = ['MetadataAgent', 'Scrobbler', 'TimerCallback', 'LifecycleManagement', 'SchedulerCallback', 'WebSocketCallback'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One rpc of the contract, as the ABI sees it: an export name and the codecs of its messages. */
export interface RpcContract<Req, Res> {
  readonly service: ServiceName;
  /** The rpc name in api.proto, e.g. `GetArtistBiography`. */
  readonly method: string;
  /** The plugin export that serves it, e.g. `metadata_agent_get_artist_biography`. */
  readonly exportName: string;
  encodeRequest(request: Req): Uint8Array;
  decodeResponse(bytes: Uint8Array): Res;
  /** True when the response carries nothing (all fields default), whatever its encoding. */
  isEmptyResponse(response: Res): boolean;
}

/** A method of a ts-proto generic service definition: its name in the .proto and its message types. */
export interface GenericMethod<Req, Res> {
  readonly name: string;
  readonly requestType: MessageType<Req>;
  readonly responseType: MessageType<Res>;
}
type AnyMethod = GenericMethod<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type RequestOf<M> = M extends GenericMethod<infer Req, unknown> ? Req : never;
type ResponseOf<M> = M extends GenericMethod<unknown, infer Res> ? Res : never;
/** The rpcs of one service, keyed like ts-proto's service definitions (`getArtistBiography`). */
export type RpcTable<D> = { readonly [K in keyof D]: RpcContract<RequestOf<D[K]>, ResponseOf<D[K]>> };

function rpcTable<D extends Record<string, AnyMethod>>(service: ServiceName, definition: { readonly methods: D }): RpcTable<D> {
  const table: Record<string, RpcContract<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const { name, requestType, responseType } = method;
    table[key] = {
      service,
      method: name,
      exportName: snake(service + name),
      encodeRequest: (request) => encodeMessage(requestType, request),
      decodeResponse: (bytes) => responseType.decode(bytes),
      isEmptyResponse: (response) => encodeMessage(responseType, response).length === 0,
    };
  }
  return table as RpcTable<D>;
}

/** Every rpc of every plugin service, built once from the generated contract. */
export const RPCS = {
  MetadataAgent: rpcTable('MetadataAgent', MetadataAgentDefinition),
  Scrobbler: rpcTable('Scrobbler', ScrobblerDefinition),
  TimerCallback: rpcTable('TimerCallback', TimerCallbackDefinition),
  LifecycleManagement: rpcTable('LifecycleManagement', LifecycleManagementDefinition),
  SchedulerCallback: rpcTable('SchedulerCallback', SchedulerCallbackDefinition),
  WebSocketCallback: rpcTable('WebSocketCallback', WebSocketCallbackDefinition),
} as const;

/** The export a plugin must provide, returning 1, for each service it serves. */
export function apiVersionExport(service: ServiceName): string {
  return `${snake(service)}_api_version`;
}

/** The rpc exports of a service. */
export function rpcExports(service: ServiceName): string[] {
  return Object.values(RPCS[service] as Record<string, RpcContract<unknown, unknown>>).map((rpc) => rpc.exportName);
}

/** The API version every service of this contract has. */
export const API_VERSION = 1;
