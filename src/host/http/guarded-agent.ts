import type { Agent } from 'undici';
import { localNetworkGuard } from './local-network-guard';
import { undici } from './undici';

/** An undici Agent that refuses to connect to local-network addresses (see localNetworkGuard). */
export function createGuardedAgent(): Agent {
  const { Agent, buildConnector } = undici();
  const guard = localNetworkGuard('permissions.http');
  const connectChecked = buildConnector({ lookup: guard.lookup });
  return new Agent({
    connect(options, callback) {
      // net.connect skips `lookup` for IP literals, so those are checked here.
      const refusal = guard.refuseLiteral(options.hostname);
      if (refusal !== undefined) callback(refusal, null);
      else connectChecked(options, callback);
    },
  });
}
