import type { MethodDefinition } from '@grpc/grpc-js';
import { snake } from '../contract';
import { messageOf } from '../errors';
import type { HostCaller, HostReply } from '../runtime';
import type { ArtworkService } from './artwork';
import type { CacheService } from './cache';
import type { HostGrant, HostServiceName } from './host-grant';
import type { HttpService } from './http';
import type { SchedulerService } from './scheduler';
import type { SubsonicApiService } from './subsonicapi';
import type { TimerService } from './timer';
import type { WebSocketService } from './websocket';

/** The service instances host functions are served by, one per sidecar. */
export interface HostServices {
  readonly http: HttpService;
  readonly timers: TimerService;
  readonly cache: CacheService;
  readonly websockets: WebSocketService;
  readonly artwork: ArtworkService;
  readonly subsonic: SubsonicApiService;
  readonly scheduler: SchedulerService;
}

/** A host call as a service sees it: who calls (from the job), until when, and what its version may do. */
export interface HostCall extends HostCaller<HostGrant> {
  readonly grant: HostGrant;
}

/** One `env` import of a host service. */
export interface HostFunction {
  /** abi.md: `snake(Method)` with no service prefix (`get`, `register_timer`). */
  readonly name: string;
  /** The host service it belongs to: a plugin whose grant lacks it cannot call it. */
  readonly service: HostServiceName;
  call(services: HostServices, call: HostCall, request: Uint8Array): Promise<HostReply>;
}

type Serve<Req, Res> = (services: HostServices, call: HostCall, request: Req) => Promise<Res>;

/**
 * Wraps one rpc of a host service: decode the guest's request (failing that is the guest's
 * fault), serve it, encode the response. Service failures a plugin should see (network,
 * permission, limits) are in the response's `error` field, not here.
 */
export function hostFunction<Req, Res>(service: HostServiceName, method: MethodDefinition<Req, Res>, serve: Serve<Req, Res>): HostFunction {
  const rpc = method.path.slice(method.path.lastIndexOf('/') + 1);
  return {
    name: snake(rpc),
    service,
    async call(services, call, bytes) {
      let request: Req;
      try {
        request = method.requestDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      } catch (error) {
        return { ok: false, fault: 'guest', message: `the request is not a valid ${rpc} request: ${messageOf(error)}` };
      }
      try {
        return { ok: true, bytes: method.responseSerialize(await serve(services, call, request)) };
      } catch (error) {
        return { ok: false, fault: 'host', message: messageOf(error) };
      }
    },
  };
}
