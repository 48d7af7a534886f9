import { ConfigServiceService } from '../../../generated/ts/host/config/config';
import { hostFunction, type HostFunction } from '../host-function';

/**
 * ConfigService's `env` import: the calling version's `[PluginConfig.<id>]`, as bound to its
 * grant at load (keys already in the form its manifest dialect expects).
 */
export const CONFIG_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('config', ConfigServiceService.getPluginConfig, async (_, call) => ({ config: { ...call.grant.config } })),
];
