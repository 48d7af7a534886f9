/** The config host service: a plugin's own `[PluginConfig.<id>]`, from the grant of the calling version. */
export {
  /** Its `env` import, `get_plugin_config`. */
  CONFIG_FUNCTIONS,
} from './config-functions';
