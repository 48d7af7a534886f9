/**
 * Checks a listen address before grpc-js sees it: grpc-js reports a malformed address only when
 * binding, with a message that does not name the config key.
 */
import { isIPv4, isIPv6 } from 'node:net';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);
const BRACKETED = /^\[([^\]]*)\]:([^:]*)$/;

/** What is wrong with `value` as `host:port`, or undefined when it is fine. */
export function addressProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string "host:port"';

  let host: string;
  let port: string;
  const bracketed = BRACKETED.exec(value);
  if (bracketed !== null) {
    [, host, port] = bracketed;
    if (!isIPv6(host)) return `must be "[ipv6]:port"; "${host}" is not an IPv6 address`;
  } else {
    const colon = value.lastIndexOf(':');
    if (colon < 0) return 'must be "host:port", for example "127.0.0.1:50051"';
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (host.includes(':')) return 'must put an IPv6 host in brackets, like "[::1]:50051"';
    if (host === '') return 'must name a host before the port, for example "0.0.0.0:50051"';
    // An all-numeric name such as 300.1.1.1 passes the hostname pattern but can only be a typo.
    const numeric = /^[\d.]+$/.test(host);
    if (numeric ? !isIPv4(host) : !HOSTNAME.test(host)) {
      return `has an invalid host "${host}"`;
    }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    return `must end in a port from 0 to 65535, not "${port}"`;
  }
  return undefined;
}
