import type { Logger } from 'pino';
import type { Agent } from 'undici';
import type { CallRequest, CallResponse } from '../../../generated/ts/host/subsonicapi/subsonicapi';
import { describeFailure, readCappedBody, undici } from '../http';
import type { SubsonicApiPermission } from './subsonicapi-permission';

/** released-dialect.md, subsonicapi step 4: the host sets these, whatever the plugin sent. */
const FORMAT = 'json';
const API_VERSION = '1.16.1';
const DEFAULT_TIMEOUT_MS = 10_000;
/** The Subsonic error codes for a user the main server does not know ("wrong username or password", "not found"). */
const UNKNOWN_USER_CODES = new Set([40, 70]);

export interface SubsonicApiServiceOptions {
  /** The main server's Subsonic API root (Navidrome.SubsonicURL), e.g. http://127.0.0.1:4533/rest; '' when unset. */
  readonly subsonicUrl: string;
  /** The header the main server trusts for the user (Navidrome.ReverseProxyUserHeader). */
  readonly userHeader: string;
  /** The largest answer read (Plugins.HttpMaxBodyBytes). */
  readonly maxBodyBytes: number;
  readonly log: Logger;
}

/** One call: who asks (from the job), until when, under which permission. */
export interface SubsonicCall {
  readonly pluginId: string;
  readonly deadline: number;
  readonly permission: SubsonicApiPermission | undefined;
}

type Outcome = { readonly body: string; readonly status: number } | { readonly failure: string };

/**
 * The subsonicapi host service. Released Navidrome served these calls in-process, authenticated
 * as user `u`; here they go over HTTP to the main server's Subsonic API with `u` in the header
 * the main server trusts from a reverse proxy (Navidrome's ReverseProxyUserHeader, for addresses
 * in its ReverseProxyWhitelist). The checks are released Navidrome's: `u` is required,
 * `allowedUsernames` (case-insensitive) and, unless `allowAdmins`, no admin users, which needs a
 * `getUser` call as that user first. `c`, `f` and `v` are set by the host, only the endpoint (the
 * last path segment) is kept, and the JSON answer is returned as is, Subsonic failures included.
 */
export class SubsonicApiService {
  private readonly root: string | undefined;
  /** Made with the first call (src/host/http/undici.ts). */
  private agent?: Agent;
  private warned = false;
  /** A call still running at shutdown must not open a connection that nothing will close. */
  private closed = false;

  constructor(private readonly options: SubsonicApiServiceOptions) {
    this.root = options.subsonicUrl === '' ? undefined : options.subsonicUrl.replace(/\/+$/, '');
  }

  async call(call: SubsonicCall, { url }: CallRequest): Promise<CallResponse> {
    const failed = (error: string): CallResponse => ({ json: '', error });
    if (this.root === undefined) {
      this.warnOnce();
      return failed('the subsonicapi host service is not configured (Navidrome.SubsonicURL is not set)');
    }
    let asked: URL;
    try {
      asked = new URL(url, 'http://plugin.invalid');
    } catch {
      return failed(`bad URL ${JSON.stringify(url)}`);
    }
    const username = asked.searchParams.get('u') ?? '';
    if (username === '') return failed("missing required parameter 'u' (username)");
    const { allowedUsernames = [], allowAdmins = false } = call.permission ?? {};
    if (allowedUsernames.length > 0 && !allowedUsernames.some((allowed) => allowed.toLowerCase() === username.toLowerCase())) {
      return failed(`username ${username} is not allowed`);
    }
    if (!allowAdmins) {
      const refusal = await this.refuseAdmin(call, username);
      if (refusal !== undefined) return failed(refusal);
    }
    const endpoint = asked.pathname.slice(asked.pathname.lastIndexOf('/') + 1);
    const outcome = await this.get(call, endpoint, asked.searchParams, username);
    if ('failure' in outcome) return failed(outcome.failure);
    if (outcome.status < 200 || outcome.status > 299) return { json: outcome.body, error: `the Subsonic API answered HTTP ${outcome.status}` };
    return { json: outcome.body, error: '' };
  }

  /** Ends pooled connections (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.agent?.close();
  }

  /** Why `username` may not be acted as (unknown, or an admin), or undefined. */
  private async refuseAdmin(call: SubsonicCall, username: string): Promise<string | undefined> {
    const outcome = await this.get(call, 'getUser', new URLSearchParams({ username }), username);
    if ('failure' in outcome) return `could not look up user ${username}: ${outcome.failure}`;
    let answer: { status?: string; error?: { code?: number; message?: string }; user?: { adminRole?: boolean } } | undefined;
    try {
      answer = (JSON.parse(outcome.body) as { 'subsonic-response'?: typeof answer })['subsonic-response'];
    } catch {
      answer = undefined;
    }
    if (answer === undefined) return `could not look up user ${username}: the Subsonic API answered HTTP ${outcome.status} without a JSON subsonic-response`;
    if (answer.status !== 'ok') {
      if (UNKNOWN_USER_CODES.has(answer.error?.code ?? -1)) return `username ${username} not found`;
      return `could not look up user ${username}: ${answer.error?.message ?? 'the Subsonic API failed'} (code ${answer.error?.code})`;
    }
    return answer.user?.adminRole === true ? 'calling SubsonicAPI as admin user is not allowed' : undefined;
  }

  /** GET `<root>/<endpoint>?<query>` as `username`, with c, f and v set by the host. */
  private async get(call: SubsonicCall, endpoint: string, query: URLSearchParams, username: string): Promise<Outcome> {
    const params = new URLSearchParams(query);
    params.set('c', call.pluginId);
    params.set('f', FORMAT);
    params.set('v', API_VERSION);
    const target = `${this.root}/${endpoint}?${params}`;
    const budget = Math.min(DEFAULT_TIMEOUT_MS, call.deadline - Date.now());
    if (!(budget > 0)) return { failure: "the plugin call's deadline has passed" };
    if (this.closed) return { failure: 'the host is shutting down' };
    const signal = AbortSignal.timeout(budget);
    try {
      const answer = await undici().request(target, { dispatcher: (this.agent ??= new (undici().Agent)()), method: 'GET', headers: { [this.options.userHeader]: username, accept: 'application/json' }, signal });
      const body = await readCappedBody(answer.body, this.options.maxBodyBytes);
      if (body === undefined) return { failure: `the answer is larger than the ${this.options.maxBodyBytes}-byte limit` };
      return { body: body.toString('utf8'), status: answer.statusCode };
    } catch (error) {
      const host = new URL(target).host;
      return { failure: signal.aborted ? `the Subsonic API at ${host} timed out after ${budget} ms` : describeFailure(error, host) };
    }
  }

  private warnOnce(): void {
    if (this.warned) return;
    this.warned = true;
    this.options.log.warn('a plugin called the Subsonic API, refused: set Navidrome.SubsonicURL (and add ndphost to the main server\'s ReverseProxyWhitelist)');
  }
}
