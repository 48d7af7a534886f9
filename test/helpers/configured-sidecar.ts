import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../../src/config';
import { startSidecar } from '../../src/sidecar';
import { ApiClients } from './api-clients';
import type { TestSidecar } from './test-sidecar';

export interface ConfiguredSidecarOptions {
  /** TOML text (e.g. `[PluginConfig.<id>]` sections), written to a file and loaded as `--config` would be. */
  readonly toml?: string;
  /** Config flags, applied after the file (e.g. `--plugins-default-http allow`). */
  readonly args?: readonly string[];
  /**
   * A data folder to use and keep, so a second sidecar can start on the first one's timers.json;
   * the caller removes it. Default: a temporary folder removed by `close`.
   */
  readonly dataFolder?: string;
  /** The sidecar's logger (e.g. a CapturedLog's, to wait for a line); default silent. */
  readonly log?: Logger;
}

/**
 * Like startTestSidecar, with a TOML config file and an optional data folder that outlives the
 * sidecar: for tests of `[PluginConfig.<id>]` and of state kept across restarts.
 */
export async function startConfiguredSidecar(pluginsFolder: string, options: ConfiguredSidecarOptions = {}): Promise<TestSidecar> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ndphost-config-'));
  const dataFolder = options.dataFolder ?? path.join(scratch, 'data');
  const configFile = path.join(scratch, 'ndphost.toml');
  writeFileSync(configFile, options.toml ?? '');
  try {
    const config = loadConfig({
      env: {},
      configFile,
      args: ['--address', '127.0.0.1:0', '--data-folder', dataFolder, '--plugins-folder', pluginsFolder, ...(options.args ?? [])],
    });
    const sidecar = await startSidecar(config, options.log ?? pino({ level: 'silent' }));
    const address = `127.0.0.1:${sidecar.port}`;
    const clients = new ApiClients(address, { adminAddress: sidecar.adminAddress });
    return {
      sidecar,
      address,
      adminAddress: sidecar.adminAddress,
      clients,
      async close() {
        clients.close();
        await sidecar.close();
        rmSync(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}

/** A `[PluginConfig.<id>]` section; values are written as TOML basic strings. */
export function pluginConfigSection(pluginId: string, settings: Record<string, string>): string {
  const lines = Object.entries(settings).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
  return [`[PluginConfig.${JSON.stringify(pluginId)}]`, ...lines, ''].join('\n');
}
