/** The HTTP host service: plugin requests, checked against permissions, limits and the local network. */
export {
  /** Performs plugin HTTP requests; every failure comes back in `HttpResponse.error`, never thrown. */
  HttpService,
} from './http-service';
export type {
  /** How the operator's settings shape the service (Plugins.DefaultHttp, Plugins.AllowLocalNetwork, ...). */
  HttpServiceOptions,
  /** One plugin request: plugin id, method, request, permission and deadline. */
  HttpCall,
  /** A request's status class or `error`, as metrics count it. */
  HttpOutcome,
} from './http-service';
export {
  /** Checks `permissions.http` once, e.g. at plugin load: a bad pattern or method is a `bad_manifest`. */
  compileHttpPolicy,
} from './http-policy';
export type {
  /** A manifest's `permissions.http`, as the plugins layer passes it in. */
  HttpPermission,
  /** A compiled `permissions.http`. */
  HttpPolicy,
} from './http-policy';
export type {
  /** An upper-case HTTP method a plugin can call. */
  HttpMethod,
} from './http-method';
export {
  /** Parses one URL pattern of a manifest (`https://*.example.com/*`, `*`), for any scheme list. */
  parseUrlPattern,
} from './url-pattern';
export type { UrlPattern } from './url-pattern';
export {
  /** The local-network guard, for any host service that opens connections (HTTP, WebSocket). */
  localNetworkGuard,
} from './local-network-guard';
export type { LocalNetworkGuard } from './local-network-guard';
export {
  /** One sentence for a network failure (DNS, refused, TLS, ...), for a plugin to read. */
  describeFailure,
} from './describe-failure';
export {
  /** A plugin's request headers without the ones the host owns. */
  requestHeaders,
} from './http-headers';
export {
  /** Reads a response body whole, or undefined past a cap (never truncated). */
  readCappedBody,
} from './read-capped-body';
export {
  /** undici, required on first use (a sidecar whose plugins make no HTTP calls never loads it). */
  undici,
} from './undici';
