import type { MethodDefinition } from '@grpc/grpc-js';
import {
  LifecycleManagementDefinition,
  LifecycleManagementService,
  MetadataAgentDefinition,
  MetadataAgentService,
  SchedulerCallbackDefinition,
  SchedulerCallbackService,
  ScrobblerDefinition,
  ScrobblerService,
  TimerCallbackDefinition,
  TimerCallbackService,
  WebSocketCallbackDefinition,
  WebSocketCallbackService,
} from '../../generated/ts/api';
import { decodeStrictly, emptyTest, encodeMessage, messageTypesOf, type GenericService, type MessageType } from './message-codec';
import { snake } from './snake';
import { wireTypeTest } from './wire-types';

/**
 * The plugin services of api.proto, by the names manifests use: `services` in ndphost's form,
 * `capabilities` in released Navidrome's (which has SchedulerCallback and WebSocketCallback
 * instead of TimerCallback).
 */
export const SERVICE_NAMES = ['MetadataAgent', 'Scrobbler', 'TimerCallback', 'LifecycleManagement', 'SchedulerCallback', 'WebSocketCallback'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * A message with the bytes it came in: what the sidecar passes on. A caller's request reaches
 * the plugins, and a plugin's response the caller, as the bytes that were sent, so fields a newer
 * contract added (which the generated types do not know, and re-encoding would drop) get through,
 * and nothing is encoded twice. `message` is the same bytes decoded strictly, for the sidecar's
 * own reading (routing, fan-out, errors).
 */
export interface WireMessage<T> {
  readonly message: T;
  readonly bytes: Uint8Array;
}

/** One rpc of the contract, as the ABI sees it: an export name and the codecs of its messages. */
export interface RpcContract<Req, Res> {
  readonly service: ServiceName;
  /** The rpc name in api.proto, e.g. `GetArtistBiography`. */
  readonly method: string;
  /** The plugin export that serves it, e.g. `metadata_agent_get_artist_biography`. */
  readonly exportName: string;
  /** A request the sidecar makes itself (a timer fired, a WebSocket event), encoded. */
  request(message: Req): WireMessage<Req>;
  /**
   * A caller's request as the plugins get it: its own bytes, decoded strictly (throws for bytes
   * that are not a valid request, a string not UTF-8 among them). A field it declares in a wire
   * type its type does not allow is dropped, as the generated decoder drops it, by encoding the
   * request again: the decoders of many plugins would misread it.
   */
  readRequest(bytes: Uint8Array): WireMessage<Req>;
  /** A plugin's response, decoded. */
  decodeResponse(bytes: Uint8Array): Res;
  /**
   * A plugin's response as the caller gets it: its own bytes, unless a string in it is not UTF-8
   * or a field it declares is in a wire type its type does not allow. Released Navidrome passed
   * such answers on, so they are no plugin failure, but the strict parsers of Go, Python and Java
   * refuse the first, and some decoders misread the second: encoded again, with U+FFFD in place
   * of the bytes that are not UTF-8, and without the misplaced field.
   */
  readResponse(bytes: Uint8Array): WireMessage<Res>;
  /** A response the sidecar makes itself (a fan-out's summary), encoded. */
  response(message: Res): WireMessage<Res>;
  /** True when the response carries nothing (all fields default), whatever its encoding. */
  isEmptyResponse(response: Res): boolean;
}

type AnyMethod = MethodDefinition<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type RequestOf<M> = M extends { requestSerialize(value: infer Req): Buffer } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize(bytes: Buffer): infer Res } ? Res : never;
/** The rpcs of one service, keyed like ts-proto's grpc-js service definition (`getArtistBiography`). */
export type RpcTable<D> = { readonly [K in keyof D]: RpcContract<RequestOf<D[K]>, ResponseOf<D[K]>> };

/** A service's two ts-proto definitions: grpc-js (keys, paths, decoders) and generic (message types). */
export interface ServiceDefinitions<D> {
  readonly grpc: D;
  readonly generic: GenericService;
}

/** The plugin services' definitions, by the names manifests use. */
export const SERVICE_DEFINITIONS = {
  MetadataAgent: { grpc: MetadataAgentService, generic: MetadataAgentDefinition },
  Scrobbler: { grpc: ScrobblerService, generic: ScrobblerDefinition },
  TimerCallback: { grpc: TimerCallbackService, generic: TimerCallbackDefinition },
  LifecycleManagement: { grpc: LifecycleManagementService, generic: LifecycleManagementDefinition },
  SchedulerCallback: { grpc: SchedulerCallbackService, generic: SchedulerCallbackDefinition },
  WebSocketCallback: { grpc: WebSocketCallbackService, generic: WebSocketCallbackDefinition },
} as const satisfies { readonly [S in ServiceName]: ServiceDefinitions<Record<string, AnyMethod>> };

/** The rpcs of a service, keyed as its grpc-js definition, encoding with the messages of its generic one. */
function rpcTable<D extends Record<string, AnyMethod>>(service: ServiceName, { grpc, generic }: ServiceDefinitions<D>): RpcTable<D> {
  const table: Record<string, RpcContract<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(grpc)) {
    // The path is `/api.<Service>/<Method>`: the method name as written in api.proto.
    const name = method.path.slice(method.path.lastIndexOf('/') + 1);
    const { requestType, responseType } = messageTypesOf(generic, method.path);
    const requestFits = wireTypeTest(generic.fullName, name, 'input');
    const responseFits = wireTypeTest(generic.fullName, name, 'output');
    table[key] = {
      service,
      method: name,
      exportName: snake(service + name),
      request: (message) => encoded(requestType, message),
      decodeResponse: (bytes) => responseType.decode(bytes),
      readRequest: (bytes) => passedOn(requestType, decodeStrictly(requestType, bytes), bytes, requestFits),
      readResponse: (bytes) => {
        let message: unknown;
        try {
          message = decodeStrictly(responseType, bytes);
        } catch {
          // Not UTF-8, or not a message at all, which the lenient decoder throws for again.
          return encoded(responseType, responseType.decode(bytes));
        }
        return passedOn(responseType, message, bytes, responseFits);
      },
      response: (message) => encoded(responseType, message),
      isEmptyResponse: emptyTest(responseType),
    };
  }
  return table as RpcTable<D>;
}

/** A message as it came, or encoded again when a field it declares is in the wrong wire type. */
function passedOn<T>(type: MessageType<T>, message: T, bytes: Uint8Array, fits: (bytes: Uint8Array) => boolean): WireMessage<T> {
  return fits(bytes) ? { message, bytes } : encoded(type, message);
}

/** A message with the bytes the thread's reused writer encodes it to. */
function encoded<T>(type: MessageType<T>, message: T): WireMessage<T> {
  return { message, bytes: encodeMessage(type, message) };
}

/**
 * Every rpc of every plugin service, built once from the generated contract. Built in a loop,
 * so each table's precise type is restated per service name (SERVICE_DEFINITIONS has them all).
 */
export const RPCS = Object.fromEntries(
  SERVICE_NAMES.map((service) => [service, rpcTable(service, SERVICE_DEFINITIONS[service] as ServiceDefinitions<Record<string, AnyMethod>>)]),
) as { readonly [S in ServiceName]: RpcTable<(typeof SERVICE_DEFINITIONS)[S]['grpc']> };

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
