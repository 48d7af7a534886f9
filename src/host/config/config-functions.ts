import { ConfigServiceService, ConfigServiceDefinition } from '../../../generated/ts/host/config/config';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostFunction } from '../host-function';

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const ConfigService = withReusedWriter({ grpc: ConfigServiceService, generic: ConfigServiceDefinition });

/**
 * ConfigService's `env` import: the calling version's `[PluginConfig.<id>]`, as bound to its
 * grant at load (keys already in the form its manifest dialect expects).
 */
export const CONFIG_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('config', ConfigService.getPluginConfig, async (_, call) => ({ config: { ...call.grant.config } })),
];
