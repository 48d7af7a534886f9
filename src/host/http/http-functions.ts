import { HttpServiceService, HttpServiceDefinition, type HttpRequest } from '../../../generated/ts/host/http/http';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostCall, type HostFunction, type HostServices } from '../host-function';
import type { HttpMethod } from './http-method';

const perform = (method: HttpMethod) => (services: HostServices, call: HostCall, request: HttpRequest) =>
  services.http.perform({ pluginId: call.pluginId, method, request, permission: call.grant.http, deadline: call.deadline, trace: call.trace, caller: call.caller });

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const HttpService = withReusedWriter({ grpc: HttpServiceService, generic: HttpServiceDefinition });

/** HttpService's `env` imports: one per method. */
export const HTTP_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('http', HttpService.get, perform('GET')),
  hostFunction('http', HttpService.post, perform('POST')),
  hostFunction('http', HttpService.put, perform('PUT')),
  hostFunction('http', HttpService.delete, perform('DELETE')),
  hostFunction('http', HttpService.patch, perform('PATCH')),
  hostFunction('http', HttpService.head, perform('HEAD')),
  hostFunction('http', HttpService.options, perform('OPTIONS')),
];
