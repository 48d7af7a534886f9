import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { NdpError } from '../../errors';
import { localAddressKind } from './local-address';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net/tls connect options: dns.lookup, failing when any address it returns is local. */
export type GuardedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * The local-network guard of the HTTP and WebSocket host services: refuses loopback, private,
 * link-local and unique-local addresses at connect time, on the addresses DNS actually returned,
 * so a name that resolves to a public address when the URL is checked and to 127.0.0.1 a moment
 * later (DNS rebinding) is still refused. `permission` names where a plugin may allow it
 * (`permissions.http`), for the message.
 */
export interface LocalNetworkGuard {
  /** Pass as `lookup` to net.connect / tls.connect (which skip it for IP literals). */
  readonly lookup: GuardedLookup;
  /** The refusal for a host that is an IP literal, checked before connecting; undefined for a name or a public address. */
  refuseLiteral(hostname: string): NdpError | undefined;
}

export function localNetworkGuard(permission: string): LocalNetworkGuard {
  const refuse = (hostname: string, address: string): NdpError | undefined => {
    const kind = localAddressKind(address);
    if (kind === undefined) return undefined;
    const where = hostname === address ? address : `${hostname} (${address})`;
    return new NdpError('invalid_argument', `connection to ${where} refused: ${address} is a ${kind} address and local network access is off (allow it with ${permission}.allowLocalNetwork in the manifest or Plugins.AllowLocalNetwork = true)`);
  };
  return {
    lookup(hostname, options, callback) {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error !== null) return callback(error, []);
        // One local address is enough to refuse: a name that mixes public and local addresses is
        // either misconfigured or an attack, and either way the connection could land locally.
        for (const { address } of addresses) {
          const refusal = refuse(hostname, address);
          if (refusal !== undefined) return callback(refusal, []);
        }
        if (options.all === true) return callback(null, addresses);
        const [first] = addresses;
        if (first === undefined) return callback(Object.assign(new Error(`DNS lookup of ${hostname} returned no address`), { code: 'ENOTFOUND' }), []);
        callback(null, first.address, first.family);
      });
    },
    refuseLiteral(hostname) {
      const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
      return isIP(bare) === 0 ? undefined : refuse(bare, bare);
    },
  };
}
