import { HttpServiceService, type HttpRequest } from '../../../generated/ts/host/http/http';
import { hostFunction, type HostCall, type HostFunction, type HostServices } from '../host-function';
import type { HttpMethod } from './http-method';

const perform = (method: HttpMethod) => (services: HostServices, call: HostCall, request: HttpRequest) =>
  services.http.perform({ pluginId: call.pluginId, method, request, permission: call.grant.http, deadline: call.deadline, trace: call.trace });

/** HttpService's `env` imports: one per method. */
export const HTTP_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('http', HttpServiceService.get, perform('GET')),
  hostFunction('http', HttpServiceService.post, perform('POST')),
  hostFunction('http', HttpServiceService.put, perform('PUT')),
  hostFunction('http', HttpServiceService.delete, perform('DELETE')),
  hostFunction('http', HttpServiceService.patch, perform('PATCH')),
  hostFunction('http', HttpServiceService.head, perform('HEAD')),
  hostFunction('http', HttpServiceService.options, perform('OPTIONS')),
];
