import type { Command } from 'commander';
import type { PluginInfo } from '../../generated/ts/ndphost/admin/v1/admin';
import { NdpError } from '../errors';
import { describeLeftovers, type Recovery } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext, type CliContext } from './cli-context';
import { readInstalledPlugins, type InstalledPlugin } from './installed-plugins';
import { connectSidecar, noSidecarReason } from './sidecar-admin';
import { formatTable } from './text-table';

/** One row of `plugin list`, the same shape offline and live (and in `--json`). */
interface ListEntry {
  readonly id: string;
  readonly name: string;
  readonly author: string;
  readonly version: string;
  readonly description: string;
  readonly services: readonly string[];
  /** The manifest form: `services` or `capabilities` (empty when the manifest is not valid). */
  readonly dialect: string;
  /** The host services its manifest asks permission for. */
  readonly permissions: readonly string[];
  /**
   * Offline: `valid`, `failed`, or `interrupted` (an update cut short between its two renames:
   * the plugin's folder is set aside, and the next change or sidecar start puts it back).
   * Live: `ready`, `failed` or `quarantined`.
   */
  readonly state: string;
  readonly error?: string;
  readonly dev: boolean;
  readonly folder: string;
  readonly wasmSha256?: string;
}

const HEADER = ['ID', 'NAME', 'AUTHOR', 'VERSION', 'DIALECT', 'SERVICES', 'PERMISSIONS', 'STATE', 'DESCRIPTION'];

/** `ndphost plugin list [--live] [--json]`. */
export function pluginListCommand(): Command {
  return configuredCommand('list', 'list the plugins in Plugins.Folder, checked as loading would check them (nothing is run)')
    .option('--live', "ask the running sidecar instead, for each plugin's live state (ready, failed, quarantined)")
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { live?: boolean; json?: boolean }) => {
        requirePluginsEnabled(context.config);
        const entries = options.live ? await liveEntries(context) : await offlineEntries(context);
        if (options.json) context.printJson(entries);
        else if (entries.length === 0) context.print(`no plugins in ${context.config.plugins.folder}`);
        else context.print(...formatTable(HEADER, entries.map(toRow)));
      }),
    );
}

/** The folder as a start would load it, and what changes cut short left there (list changes nothing). */
async function offlineEntries(context: CliContext): Promise<ListEntry[]> {
  const folder = context.config.plugins.folder;
  const [installed, leftovers] = await Promise.all([readInstalledPlugins(folder, context.moduleRules), describeLeftovers(folder)]);
  const interrupted: ListEntry[] = [];
  for (const leftover of leftovers) {
    if (leftover.outcome === 'restored') interrupted.push(fromInterrupted(leftover));
    else if (leftover.outcome === 'kept' || leftover.outcome === 'in-progress') context.warn(leftover.message);
    else context.warn(`${leftover.path} was left by a change that was cut short; the next plugin install, update or remove, or the sidecar's next start, removes it`);
  }
  return [...installed.map(fromInstalled), ...interrupted].sort((a, b) => a.id.localeCompare(b.id));
}

function fromInterrupted({ id, path }: Recovery): ListEntry {
  return {
    id: id ?? '',
    name: '',
    author: '',
    version: '',
    description: '',
    services: [],
    dialect: '',
    permissions: [],
    state: 'interrupted',
    error: `an update was cut short between its two renames; the version it was replacing is at ${path}, and the next plugin install, update or remove, or the sidecar's next start, puts it back`,
    dev: false,
    folder: path,
  };
}

async function liveEntries(context: CliContext): Promise<ListEntry[]> {
  const sidecar = await connectSidecar(context.config);
  if (!sidecar) throw new NdpError('unavailable', `${noSidecarReason(context.config)}; run plugin list without --live to check the plugins folder`);
  sidecar.close();
  return sidecar.plugins.map(fromLive);
}

function toRow(entry: ListEntry): string[] {
  return [
    entry.dev ? `${entry.id} (dev)` : entry.id,
    entry.name || '-',
    entry.author || '-',
    entry.version || '-',
    entry.dialect || '-',
    entry.services.join(',') || '-',
    entry.permissions.join(',') || '-',
    entry.state,
    // A failed plugin's reason is what the reader needs; its description can wait until it loads.
    entry.error ? `error: ${entry.error}` : entry.description,
  ];
}

function fromInstalled(plugin: InstalledPlugin): ListEntry {
  const manifest = plugin.manifest;
  return {
    id: plugin.id,
    name: manifest?.name ?? '',
    author: manifest?.author ?? '',
    version: manifest?.version ?? '',
    description: manifest?.description ?? '',
    services: manifest?.services ?? [],
    dialect: manifest?.dialect ?? '',
    permissions: Object.keys(manifest?.permissions ?? {}).sort(),
    state: plugin.state,
    ...(plugin.error ? { error: plugin.error } : {}),
    dev: plugin.dev,
    folder: plugin.folder,
    ...(plugin.wasmSha256 ? { wasmSha256: plugin.wasmSha256 } : {}),
  };
}

function fromLive(info: PluginInfo): ListEntry {
  return {
    id: info.id,
    name: info.name,
    author: info.author,
    version: info.version,
    description: info.description,
    services: info.services,
    dialect: info.dialect,
    permissions: info.permissions,
    state: info.state,
    ...(info.error ? { error: info.error } : {}),
    dev: info.dev,
    folder: info.folder,
    ...(info.wasmSha256 ? { wasmSha256: info.wasmSha256 } : {}),
  };
}
