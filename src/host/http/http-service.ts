import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Agent, Dispatcher } from 'undici';
import type { HttpRequest, HttpResponse } from '../../../generated/ts/host/http/http';
import { messageOf, NdpError } from '../../errors';
import { whenCancelled, type Caller } from '../../runtime';
import { describeFailure } from './describe-failure';
import { joinHeaders, requestHeaders } from './http-headers';
import { createGuardedAgent } from './guarded-agent';
import { sendsBody, type HttpMethod } from './http-method';
import { compileHttpPolicy, type HttpPermission, type HttpPolicy } from './http-policy';
import { discardBody, readCappedBody } from './read-capped-body';
import { REDIRECT_STATUSES, redirectHop, type Hop } from './redirect-hop';
import { undici } from './undici';

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpServiceOptions {
  /** What a plugin whose manifest has no `permissions.http` may do (Plugins.DefaultHttp). */
  readonly defaultPolicy: 'allow' | 'deny';
  /** Lets every plugin reach local-network addresses (Plugins.AllowLocalNetwork). */
  readonly allowLocalNetwork: boolean;
  /** Largest response body; a bigger one is an error. Default 10 MiB. */
  readonly maxBodyBytes?: number;
  /** Redirects followed per request. Default 5. */
  readonly maxRedirects?: number;
  /** Used when a request's `timeout_ms` is 0. Default 10 s. */
  readonly defaultTimeoutMs?: number;
  readonly log: Logger;
  /** The headers that carry a call's trace context (W3C `traceparent`) into its requests; set when tracing is on. */
  readonly traceHeaders?: (trace: unknown) => Readonly<Record<string, string>>;
  /** Told each request's outcome (`2xx`..`5xx`, or `error` when no response came back), for metrics. */
  readonly onRequest?: (pluginId: string, outcome: HttpOutcome) => void;
}

/** A response's status class, or `error` when the request failed (HttpResponse.status 0). */
export type HttpOutcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error';

const OUTCOMES: readonly HttpOutcome[] = ['error', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** One host call from a plugin: who asks, what, under which permission and until when. */
export interface HttpCall {
  /** Given by the host, never read from the request. */
  readonly pluginId: string;
  readonly method: HttpMethod;
  readonly request: HttpRequest;
  /** The plugin's `permissions.http`; undefined means the operator's default policy applies. */
  readonly permission: HttpPermission | undefined;
  /** Epoch ms at which the plugin call's budget runs out. */
  readonly deadline: number;
  /** The plugin call's trace context (CallLimits.trace), when tracing is on. */
  readonly trace?: unknown;
  /** The incoming call the plugin serves: once it is cancelled the request is abandoned, its connection closed. */
  readonly caller?: Caller;
}

/** What the debug line reports about a call. */
interface Trace {
  host: string;
  redirects: number;
}

type Exchange = { readonly response: HttpResponse } | { readonly redirect: URL; readonly status: number };

/**
 * The HTTP host service. Every failure (permission, address, DNS, connection, timeout, limits)
 * comes back in `HttpResponse.error` with status 0, so `perform` never rejects: a plugin learns
 * what went wrong and the host stays up.
 */
export class HttpService {
  private readonly defaultPolicy: 'allow' | 'deny';
  private readonly allowLocalNetwork: boolean;
  private readonly maxBodyBytes: number;
  private readonly maxRedirects: number;
  private readonly defaultTimeoutMs: number;
  private readonly log: Logger;
  private readonly traceHeaders?: HttpServiceOptions['traceHeaders'];
  private readonly onRequest?: HttpServiceOptions['onRequest'];
  /**
   * Made with the first request (undici.ts): `guarded` refuses local-network addresses at connect
   * time; `open` is for plugins allowed on the local network, separate so its pooled sockets
   * serve only them.
   */
  private agents?: { readonly guarded: Agent; readonly open: Agent };
  /** Compiled once per manifest value; a string is the manifest's problem. */
  private readonly policies = new WeakMap<HttpPermission, HttpPolicy | string>();
  private readonly warned = new Set<string>();
  private closed = false;

  constructor(options: HttpServiceOptions) {
    this.defaultPolicy = options.defaultPolicy;
    this.allowLocalNetwork = options.allowLocalNetwork;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = options.log;
    this.traceHeaders = options.traceHeaders;
    this.onRequest = options.onRequest;
  }

  /** Performs one plugin request. Never rejects: every failure is in `HttpResponse.error`. */
  async perform(call: HttpCall): Promise<HttpResponse> {
    const started = performance.now();
    const trace: Trace = { host: '', redirects: 0 };
    const response = await this.fetch(call, trace).catch((error: unknown) => failed(`internal error: ${describeFailure(error, trace.host)}`));
    this.log.debug(
      {
        pluginId: call.pluginId,
        method: call.method,
        host: trace.host,
        status: response.status,
        bytes: response.body.length,
        ms: Math.round(performance.now() - started),
        redirects: trace.redirects,
        error: response.error === '' ? undefined : response.error,
      },
      'http request',
    );
    this.onRequest?.(call.pluginId, OUTCOMES[Math.trunc(response.status / 100)] ?? 'error');
    return response;
  }

  /** Ends pooled connections; requests still in flight resolve with an error. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.agents) await Promise.all([this.agents.guarded.destroy(), this.agents.open.destroy()]);
  }

  private async fetch(call: HttpCall, trace: Trace): Promise<HttpResponse> {
    const { pluginId, method } = call;
    if (this.closed) return failed(`${method} refused: the host is shutting down`);
    let url: URL;
    try {
      url = new URL(call.request.url);
    } catch {
      return failed(`bad URL ${JSON.stringify(call.request.url)}`);
    }
    trace.host = url.host;

    let policy: HttpPolicy | undefined;
    if (call.permission !== undefined) {
      const compiled = this.policyFor(call.permission, pluginId);
      if (typeof compiled === 'string') return failed(`${method} ${show(url)} is not permitted: ${compiled}`);
      policy = compiled;
    } else if (this.defaultPolicy === 'deny') {
      this.warnDenied(pluginId);
      return failed(`${method} ${show(url)} is not permitted: plugin ${pluginId} has no permissions.http in its manifest and Plugins.DefaultHttp is "deny"`);
    }
    const agents = (this.agents ??= { guarded: createGuardedAgent(), open: new (undici().Agent)() });
    const agent = this.allowLocalNetwork || policy?.allowLocalNetwork === true ? agents.open : agents.guarded;

    // One budget for every hop and the body: the plugin waits for the whole answer.
    const asked = call.request.timeoutMs > 0 ? call.request.timeoutMs : this.defaultTimeoutMs;
    const left = call.deadline - Date.now();
    // A NaN deadline would make setTimeout fire at once; the request's own timeout still holds.
    const budget = Number.isNaN(left) ? asked : Math.min(asked, left);
    if (budget <= 0) return failed(`${method} ${show(url)}: timed out before it started (the plugin call's deadline has passed)`);
    if (call.caller?.cancelled) return failed(`${method} ${show(url)}: not sent, the plugin's caller cancelled the call`);
    const controller = new AbortController();
    const why = left < asked ? `timed out after ${budget} ms (the plugin call's deadline)` : `timed out after ${budget} ms`;
    const timer = setTimeout(() => controller.abort(new NdpError('deadline', why)), budget);
    // Nobody waits for the answer any more: free the plugin's worker and the server's connection now.
    const unwatch = call.caller && whenCancelled(call.caller, () => controller.abort(new NdpError('cancelled', "abandoned: the plugin's caller cancelled the call")));

    try {
      const headers = requestHeaders(call.request.headers);
      // The host's trace context wins over a plugin's own: the request is a child of this call.
      if (call.trace !== undefined && this.traceHeaders) Object.assign(headers, this.traceHeaders(call.trace));
      let hop: Hop = { method, url, headers, body: sendsBody(method) ? call.request.body : undefined };
      for (;;) {
        trace.host = hop.url.host;
        const refusal = refuse(hop, policy);
        if (refusal !== undefined) return failed(`${hop.method} ${show(hop.url)}${trace.redirects > 0 ? ` (redirect ${trace.redirects})` : ''} is not permitted: ${refusal}`);
        let exchange: Exchange;
        try {
          exchange = await this.exchange(hop, agent, controller.signal);
        } catch (error) {
          return failed(`${hop.method} ${show(hop.url)}: ${describeFailure(error, hop.url.host)}`);
        }
        if ('response' in exchange) return exchange.response;
        if (trace.redirects === this.maxRedirects) return failed(`${call.method} ${show(url)}: too many redirects (more than ${this.maxRedirects})`);
        trace.redirects += 1;
        hop = redirectHop(hop, exchange.status, exchange.redirect);
      }
    } finally {
      clearTimeout(timer);
      unwatch?.();
    }
  }

  /** One request and its answer: a redirect to follow, or the response (body read, capped). */
  private async exchange(hop: Hop, agent: Dispatcher, signal: AbortSignal): Promise<Exchange> {
    const answer = await undici().request(hop.url, { dispatcher: agent, method: hop.method, headers: hop.headers, body: hop.body, signal });
    const { statusCode: status, headers, body } = answer;
    const location = first(headers.location);
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      await body.dump();
      try {
        return { redirect: new URL(location, hop.url), status };
      } catch {
        return { response: failed(`${hop.method} ${show(hop.url)}: redirect to a bad URL ${JSON.stringify(location)}`) };
      }
    }
    const tooLarge = failed(`${hop.method} ${show(hop.url)}: response body is larger than the ${this.maxBodyBytes}-byte limit`);
    // A declared length says it all before any byte is read (HEAD declares a body it never sends).
    if (hop.method !== 'HEAD' && Number(first(headers['content-length']) ?? 0) > this.maxBodyBytes) {
      discardBody(body);
      return { response: tooLarge };
    }
    const bytes = await readCappedBody(body, this.maxBodyBytes);
    if (bytes === undefined) return { response: tooLarge };
    return { response: { status, body: bytes, headers: joinHeaders(headers), error: '' } };
  }

  private policyFor(permission: HttpPermission, pluginId: string): HttpPolicy | string {
    let policy = this.policies.get(permission);
    if (policy === undefined) {
      try {
        policy = compileHttpPolicy(permission, pluginId);
      } catch (error) {
        policy = messageOf(error);
      }
      this.policies.set(permission, policy);
    }
    return policy;
  }

  private warnDenied(pluginId: string): void {
    if (this.warned.has(pluginId)) return;
    this.warned.add(pluginId);
    this.log.warn(
      { pluginId },
      `plugin ${pluginId} made an HTTP request, refused because its manifest has no permissions.http and Plugins.DefaultHttp is "deny". ` +
        'To allow it, add permissions.http (a reason and allowedUrls) to its manifest.json, or set Plugins.DefaultHttp = "allow"',
    );
  }
}

/** Why a hop may not be made, or undefined: the scheme first, then the plugin's patterns. */
function refuse(hop: Hop, policy: HttpPolicy | undefined): string | undefined {
  if (hop.url.protocol !== 'http:' && hop.url.protocol !== 'https:') return `unsupported URL scheme "${hop.url.protocol.slice(0, -1)}"; only http and https are allowed`;
  return policy?.refusal(hop.method, hop.url);
}

function failed(error: string): HttpResponse {
  return { status: 0, body: Buffer.alloc(0), headers: {}, error };
}

/** A URL for messages and logs, without user info or query: query strings often carry API keys. */
function show(url: URL): string {
  return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}${url.pathname}` : `${url.protocol}//${url.host}${url.pathname}`;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
