import type { MethodDefinition } from '@grpc/grpc-js';
import { HttpServiceService } from '../../generated/ts/host/http/http';
import { ConfigServiceService } from '../../generated/ts/host/config/config';
import { TimerServiceService } from '../../generated/ts/host/timer/timer';
import { snake } from '../contract';
import type { HostCaller, HostCallHandler, HostReply } from '../runtime';
import type { HttpMethod, HttpPermission, HttpService } from './http';
import type { TimerService } from './timer';

/** The services the broker hands host calls to. */
export interface HostServices {
  readonly http: HttpService;
  readonly timers: TimerService;
  /** The calling plugin's `permissions.http`, looked up by the id the bridge knows. */
  readonly httpPermission: (pluginId: string) => HttpPermission | undefined;
  /** The calling plugin's `[PluginConfig.<id>]`. */
  readonly pluginConfig: (pluginId: string) => Readonly<Record<string, string>>;
}

type Serve<Req, Res> = (services: HostServices, caller: HostCaller, request: Req) => Promise<Res>;

interface HostFunction {
  readonly name: string;
  call(services: HostServices, caller: HostCaller, request: Uint8Array): Promise<HostReply>;
}

/**
 * Wraps one rpc of a host service: decode the guest's request (failing that is the guest's
 * fault), serve it, encode the response. Service failures a plugin should see (network,
 * permission, limits) are in the response's `error` field, not here.
 */
function hostFunction<Req, Res>(method: MethodDefinition<Req, Res>, serve: Serve<Req, Res>): HostFunction {
  const rpc = method.path.slice(method.path.lastIndexOf('/') + 1);
  return {
    // abi.md: host functions are `snake(Method)` with no service prefix (`get`, `register_timer`).
    name: snake(rpc),
    async call(services, caller, bytes) {
      let request: Req;
      try {
        request = method.requestDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      } catch (error) {
        return { ok: false, fault: 'guest', message: `the request is not a valid ${rpc} request: ${messageOf(error)}` };
      }
      try {
        return { ok: true, bytes: method.responseSerialize(await serve(services, caller, request)) };
      } catch (error) {
        return { ok: false, fault: 'host', message: messageOf(error) };
      }
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const http = (verb: HttpMethod) => (services: HostServices, caller: HostCaller, request: Parameters<HttpService['perform']>[0]['request']) =>
  services.http.perform({ pluginId: caller.pluginId, method: verb, request, permission: services.httpPermission(caller.pluginId), deadline: caller.deadline });

/** Every host function, in the order that numbers them on the channel. */
const FUNCTIONS: readonly HostFunction[] = [
  hostFunction(HttpServiceService.get, http('GET')),
  hostFunction(HttpServiceService.post, http('POST')),
  hostFunction(HttpServiceService.put, http('PUT')),
  hostFunction(HttpServiceService.delete, http('DELETE')),
  hostFunction(HttpServiceService.patch, http('PATCH')),
  hostFunction(HttpServiceService.head, http('HEAD')),
  hostFunction(HttpServiceService.options, http('OPTIONS')),
  hostFunction(TimerServiceService.registerTimer, (services, caller, request) => services.timers.register(caller.pluginId, request)),
  hostFunction(TimerServiceService.cancelTimer, (services, caller, request) => services.timers.cancel(caller.pluginId, request)),
  hostFunction(ConfigServiceService.getPluginConfig, async (services, caller) => ({ config: { ...services.pluginConfig(caller.pluginId) } })),
];

/** The names plugins import from `env`, for the sandbox. */
export const HOST_FUNCTIONS: readonly string[] = FUNCTIONS.map((fn) => fn.name);

/** The main-thread broker: serves a plugin's host call with the identity and deadline the sandbox took from the running job. */
export function createHostBroker(services: HostServices): HostCallHandler {
  const byName = new Map(FUNCTIONS.map((fn) => [fn.name, fn]));
  return async (caller, name, request) => {
    const fn = byName.get(name);
    return fn ? fn.call(services, caller, request) : { ok: false, fault: 'host', message: `no host function ${name}` };
  };
}
