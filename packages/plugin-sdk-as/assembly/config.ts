// ConfigService: the plugin's own [PluginConfig.<id>] settings.

import { callHost } from "./abi";
import { GetPluginConfigRequest } from "./messages/config/GetPluginConfigRequest";
import { GetPluginConfigResponse } from "./messages/config/GetPluginConfigResponse";

@external("env", "get_plugin_config") declare function hostGetPluginConfig(ptr: usize, len: i32): u64;

/**
 * ConfigService.GetPluginConfig: this plugin's `[PluginConfig.<id>]` settings, the same map
 * OnInit receives. Plugins are stateless, so an rpc that needs a setting asks for it here.
 * A key set to "" reads as missing: the host leaves empty values out of map entries and the
 * generated decoder keeps only entries that carry both key and value.
 */
export function getPluginConfig(): Map<string, string> {
  return callHost<GetPluginConfigRequest, GetPluginConfigResponse>(
    hostGetPluginConfig,
    new GetPluginConfigRequest(),
    GetPluginConfigRequest.encode,
    GetPluginConfigResponse.decode
  ).config;
}
