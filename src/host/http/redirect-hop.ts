import type { HttpMethod } from './http-method';

/** One request on the way to an answer: the first, or one made to follow a redirect. */
export interface Hop {
  readonly method: HttpMethod;
  readonly url: URL;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
}

/** The statuses followed; any other 3xx (304, 300) is an answer. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

// Headers that describe the body (Fetch, "request-body-header name"): dropped with the body.
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];
// Credentials for one origin must not travel to another one a server redirects to.
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * The request that follows `status` to `location`, the way browsers do it (Fetch, "HTTP-redirect
 * fetch"): 303, and 301/302 after POST, become GET without a body; 307 and 308 keep method
 * and body.
 */
export function redirectHop(from: Hop, status: number, location: URL): Hop {
  const toGet = (status === 303 && from.method !== 'GET' && from.method !== 'HEAD') || ((status === 301 || status === 302) && from.method === 'POST');
  const drop = new Set([...(toGet ? BODY_HEADERS : []), ...(location.origin !== from.url.origin ? CREDENTIAL_HEADERS : [])]);
  const headers = Object.fromEntries(Object.entries(from.headers).filter(([name]) => !drop.has(name)));
  return toGet ? { method: 'GET', url: location, headers, body: undefined } : { ...from, url: location, headers };
}
