// The host owns these: Host comes from the URL, framing from the body, and connections are
// pooled. A plugin's values are dropped, not errors, as Go's net/http (behind Navidrome's host
// service) drops Host and Content-Length set in a request's Header.
const HOST_OWNED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);

/** A plugin's request headers, names lower-cased, without the ones the host owns. */
export function requestHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .map(([name, value]): [string, string] => [name.toLowerCase(), value])
      .filter(([name]) => !HOST_OWNED_HEADERS.has(name)),
  );
}

/**
 * The contract's headers are a map<string,string>, so a repeated header is joined with ", " as
 * RFC 9110 allows. Set-Cookie is joined the same way although cookies may contain ", " in their
 * Expires dates; a plugin that reads cookies must split with that in mind.
 */
export function joinHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) joined[name] = Array.isArray(value) ? value.join(', ') : value;
  return joined;
}
