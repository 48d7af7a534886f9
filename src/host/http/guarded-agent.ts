import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { NdpError } from '../../errors';
import { localAddressKind } from './local-address';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An undici Agent that refuses to connect to local-network addresses. The check runs on the
 * addresses DNS actually returned, at connect time, so a name that resolves to a public address
 * when the URL is checked and to 127.0.0.1 a moment later (DNS rebinding) is still refused.
 */
export function createGuardedAgent(): Agent {
  const connectChecked = buildConnector({ lookup: guardedLookup });
  return new Agent({
    connect(options, callback) {
      // net.connect skips `lookup` for IP literals, so those are checked here.
      const refusal = isIP(options.hostname) === 0 ? undefined : refuseLocal(options.hostname, options.hostname);
      if (refusal !== undefined) callback(refusal, null);
      else connectChecked(options, callback);
    },
  });
}

/** dns.lookup, failing when any address it returns is local. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) return callback(error, []);
    // One local address is enough to refuse: a name that mixes public and local addresses is
    // either misconfigured or an attack, and either way the connection could land locally.
    for (const { address } of addresses) {
      const refusal = refuseLocal(hostname, address);
      if (refusal !== undefined) return callback(refusal, []);
    }
    if (options.all === true) return callback(null, addresses);
    const [first] = addresses;
    if (first === undefined) return callback(Object.assign(new Error(`DNS lookup of ${hostname} returned no address`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

function refuseLocal(hostname: string, address: string): NdpError | undefined {
  const kind = localAddressKind(address);
  if (kind === undefined) return undefined;
  const where = hostname === address ? address : `${hostname} (${address})`;
  return new NdpError('invalid_argument', `connection to ${where} refused: ${address} is a ${kind} address and local network access is off (allow it with permissions.http.allowLocalNetwork in the manifest or Plugins.AllowLocalNetwork = true)`);
}
