/** The methods HttpService offers, one host function each (abi.md, "Host services"). */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** An HTTP method a plugin can call, upper case. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** contract.md: the request body is sent only for POST, PUT and PATCH. */
export function sendsBody(method: HttpMethod): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** Narrows a string (any case) to an HttpMethod, or undefined. */
export function toHttpMethod(name: string): HttpMethod | undefined {
  const upper = name.toUpperCase();
  return (HTTP_METHODS as readonly string[]).includes(upper) ? (upper as HttpMethod) : undefined;
}
