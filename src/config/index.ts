/**
 * Configuration: read once at start-up, checked in one place, frozen and handed down in slices
 * (`config.plugins` to the plugin manager, `config.pluginConfig[id]` to one plugin's OnInit).
 *
 * @example
 * const config = loadConfig({ configFile: opts.config, args: process.argv.slice(2) });
 */

/** Loads defaults, the TOML file, environment and flags (later wins); raises NdpError `bad_config`. */
export { loadConfig } from './load-config';
/** The options of loadConfig: config file path, environment and flag arguments. */
export type { LoadConfigOptions } from './load-config';
/** The frozen configuration with every default and derived value filled in. */
export type { Config } from './config';
/** The `[Plugins]` slice of Config, for the plugin manager and worker pool. */
export type { PluginsConfig } from './config';
/** Where the admin service listens, when AdminAddress is on. */
export type { AdminListenerConfig } from './config';
/** The `[TLS]` slice: PEM file paths for the gRPC listener. */
export type { TlsConfig } from './config';
/** The `[Navidrome]` slice: the main server, for the artwork and subsonicapi host services. */
export type { NavidromeConfig } from './config';
/** Plugin id → that plugin's string settings, as passed to OnInit. */
export type { PluginConfigMap } from './config';
/** The `[Tracing]` slice: OpenTelemetry export. */
export type { TracingConfig } from './config';
/** `auto`, `json` or `pretty`. */
export type { LogFormat } from './config';
/** A pino level name. */
export type { LogLevel } from './config';
/** Every valid LogLevel, for help text. */
export { LOG_LEVELS } from './config';
/** Every setting with its config-file key, flag and environment variable, for CLI help. */
export { configOptions } from './schema';
/** One entry of configOptions. */
export type { ConfigOption } from './schema';
