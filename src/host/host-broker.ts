import type { HostCallHandler } from '../runtime';
import { ARTWORK_FUNCTIONS } from './artwork';
import { CACHE_FUNCTIONS } from './cache';
import { CONFIG_FUNCTIONS } from './config';
import type { HostGrant, HostServiceName } from './host-grant';
import type { HostFunction, HostServices } from './host-function';
import { HTTP_FUNCTIONS } from './http/http-functions';
import { SCHEDULER_FUNCTIONS } from './scheduler';
import { SUBSONICAPI_FUNCTIONS } from './subsonicapi';
import { TIMER_FUNCTIONS } from './timer/timer-functions';
import { WEBSOCKET_FUNCTIONS } from './websocket';

/** Every host function, in the order that numbers them on the channel. */
const FUNCTIONS: readonly HostFunction[] = [...HTTP_FUNCTIONS, ...TIMER_FUNCTIONS, ...CONFIG_FUNCTIONS, ...SCHEDULER_FUNCTIONS, ...CACHE_FUNCTIONS, ...WEBSOCKET_FUNCTIONS, ...ARTWORK_FUNCTIONS, ...SUBSONICAPI_FUNCTIONS];

const BY_NAME = new Map<string, HostFunction>();
for (const fn of FUNCTIONS) {
  // All host services share the one `env` namespace (abi.md): a second function of the same name
  // would silently shadow the first, as it did in released Navidrome, so it is a build error here.
  if (BY_NAME.has(fn.name)) throw new Error(`host function env.${fn.name} is provided by both ${BY_NAME.get(fn.name)?.service} and ${fn.service}`);
  BY_NAME.set(fn.name, fn);
}

/** The names plugins import from `env`, for the sandbox. */
export const HOST_FUNCTIONS: readonly string[] = FUNCTIONS.map((fn) => fn.name);

/** The host service an `env` import belongs to, or undefined when it is not a host function. */
export function hostServiceOf(name: string): HostServiceName | undefined {
  return BY_NAME.get(name)?.service;
}

/**
 * The main-thread broker: serves a plugin's host call with the identity and deadline the sandbox
 * took from the running job, under the grant its plugin version was loaded with. A call outside
 * the grant was already refused at load; refusing it here too keeps the grant the one rule.
 */
export function createHostBroker(services: HostServices): HostCallHandler<HostGrant> {
  return async (caller, name, request) => {
    const fn = BY_NAME.get(name);
    if (!fn) return { ok: false, fault: 'host', message: `no host function ${name}` };
    const { grant } = caller;
    if (!grant?.services.has(fn.service)) return { ok: false, fault: 'host', message: `plugin ${caller.pluginId} is not granted the ${fn.service} host service` };
    return fn.call(services, { ...caller, grant }, request);
  };
}
