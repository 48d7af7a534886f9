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

/** The admin listener's values that turn it off. */
export const ADMIN_OFF: ReadonlySet<string> = new Set(['', 'off']);

/**
 * The socket path of a `unix:` admin address as written (relative paths are resolved later,
 * against DataFolder), or undefined for a `host:port`. `unix:///run/x.sock` is grpc's spelling
 * of `unix:/run/x.sock`.
 */
export function unixSocketPath(value: string): string | undefined {
  if (!value.startsWith('unix:')) return undefined;
  const path = value.slice('unix:'.length);
  return path.startsWith('///') ? path.slice(2) : path;
}

/**
 * What is wrong with `value` as AdminAddress, or undefined when it is fine. A TCP admin address
 * must be loopback: the admin service has no authentication of its own, so only the host's
 * users may reach it (a unix socket narrows that to the sidecar's user).
 */
export function adminAddressProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string: "unix:<path>", a loopback "host:port", or "" (off)';
  if (ADMIN_OFF.has(value)) return undefined;
  const socket = unixSocketPath(value);
  if (socket !== undefined) {
    if (socket === '' || socket.startsWith('//')) return 'must name a socket file after "unix:", like "unix:admin.sock" or "unix:/run/ndphost/admin.sock"';
    if (socket.includes('\0')) return 'must not contain a NUL character';
    return undefined;
  }
  const problem = addressProblem(value);
  if (problem !== undefined) return `${problem}, or be "unix:<path>" or "" (off)`;
  const host = value.startsWith('[') ? value.slice(1, value.indexOf(']')) : value.slice(0, value.lastIndexOf(':'));
  if (!isLoopback(host)) {
    return `must be a loopback address (127.0.0.1, [::1] or localhost), not "${host}": the admin service has no authentication; use "unix:<path>" or a loopback port`;
  }
  return undefined;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  return isIPv6(host) && (host === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(host));
}
