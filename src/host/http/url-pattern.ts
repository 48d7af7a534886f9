/**
 * A URL pattern from `permissions.http.allowedUrls`: a URL with `*` wildcards, such as
 * `https://api.example.com/*` or `https://*.example.com/v1/*`.
 *
 * - scheme: `http` or `https`, matched exactly;
 * - host: matched exactly after the same normalisation a request URL gets (lower case,
 *   punycode, canonical IP literals); a `*` must be a whole label and stands for one or more
 *   labels, so `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`;
 * - port: must match if given, otherwise the scheme's default port (80 or 443);
 * - path: a `*` stands for any characters, `/` included; no path means `/`. The query string is
 *   not part of the match, so patterns cannot contain `?` or `#`. A request path must match both
 *   as sent and as a server that decodes `%2F`, `%5C` and `%2E` before resolving dot segments
 *   would read it, so `/ok/..%2fsecret` does not pass for `/ok/*` (issue 8).
 */
export interface UrlPattern {
  /** The pattern as the manifest wrote it, for messages. */
  readonly source: string;
  matches(url: URL): boolean;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

// scheme :// host [: port] [path]; the host is either a bracketed IPv6 literal or has no : / [ ].
const SHAPE = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:[\]]*)(?::([^/]*))?(\/.*)?$/i;

/** Parses one pattern; a problem comes back as a sentence for the caller to raise. */
export function parseUrlPattern(source: string): UrlPattern | { problem: string } {
  if (/[?#]/.test(source)) return { problem: 'must not contain a query (?) or fragment (#); the query string is never matched' };
  if (source.includes('@')) return { problem: 'must not contain user info (@)' };
  const shape = SHAPE.exec(source);
  if (shape === null) return { problem: 'is not a URL of the form scheme://host[:port][/path]' };
  const [, rawScheme, rawHost, rawPort, rawPath] = shape;
  const scheme = `${rawScheme.toLowerCase()}:`;
  const defaultPort = DEFAULT_PORTS[scheme];
  if (defaultPort === undefined) return { problem: `has scheme ${rawScheme}; only http and https are allowed` };

  let port = defaultPort;
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) return { problem: `has a bad port "${rawPort}"` };
  }

  let host: string;
  try {
    host = new URL(`${scheme}//${rawHost}/`).hostname;
  } catch {
    return { problem: `has a bad host "${rawHost}"` };
  }
  const labels = host.split('.');
  if (labels.some((label) => label.includes('*') && label !== '*')) return { problem: 'has a * inside a host label; a * must be a whole label, as in *.example.com' };
  const hostRegex = host.includes('*') ? new RegExp(`^${labels.map((l) => (l === '*' ? '[^.]+(?:\\.[^.]+)*' : escapeRegex(l))).join('\\.')}$`) : undefined;

  // Normalised the way a request URL's pathname is (percent-encoding, dot segments), `*` kept.
  const path = new URL(`http://h${rawPath ?? '/'}`).pathname;
  const pathRegex = new RegExp(`^${path.split('*').map(escapeRegex).join('.*')}$`);

  return {
    source,
    matches(url: URL): boolean {
      if (url.protocol !== scheme) return false;
      if ((url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port)) !== port) return false;
      if (hostRegex === undefined ? url.hostname !== host : !hostRegex.test(url.hostname)) return false;
      return pathRegex.test(url.pathname) && pathRegex.test(decodedPath(url.pathname));
    },
  };
}

const ENCODED_SEPARATOR_OR_DOT = /%(?:2f|5c|2e)/i;

/**
 * The path as a server that decodes percent-encoded separators and dots would resolve it:
 * `/ok/..%2fsecret` is `/secret` there. WHATWG URL parsing already resolves `..` and `%2e%2e`
 * segments, but keeps `%2F` and `%5C` inside a segment, where they can hide a `../`.
 */
function decodedPath(pathname: string): string {
  if (!ENCODED_SEPARATOR_OR_DOT.test(pathname)) return pathname;
  const decoded = pathname.replace(/%2f|%5c/gi, '/').replace(/%2e/gi, '.');
  return new URL(`http://h${decoded}`).pathname;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
