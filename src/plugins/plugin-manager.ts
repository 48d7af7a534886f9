import type { Logger } from 'pino';
import type { ServiceName } from '../contract';
import { NdpError } from '../errors';
import type { Sandbox } from '../runtime';
import { loadPlugin } from './load-plugin';
import type { Manifest } from './manifest';
import type { Plugin } from './plugin';
import { Quarantine, type QuarantineOptions } from './quarantine';
import { scanPlugins, type PluginFolder } from './scan-plugins';

export interface PluginManagerOptions {
  readonly folder: string;
  /** Plugin ids asked first, in this order; the rest follow by id. */
  readonly order: readonly string[];
  /** Budget for each load-time call (api version checks, OnInit). */
  readonly initTimeoutMs: number;
  /** `[PluginConfig.<id>]` of each plugin, passed to OnInit. */
  readonly pluginConfig: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** When repeated failures take a plugin out of service. */
  readonly quarantine: Omit<QuarantineOptions, 'onChange'>;
  /** Told when a plugin goes out of service or comes back. */
  readonly onAvailability?: (pluginId: string, available: boolean) => void;
  readonly sandbox: Sandbox;
  readonly log: Logger;
}

/** What `plugin list` and health need to know about every plugin folder. */
export interface PluginStatus {
  readonly id: string;
  readonly folder: string;
  readonly dev: boolean;
  readonly state: 'ready' | 'failed';
  readonly plugin?: Plugin;
  readonly error?: NdpError;
}

/**
 * Scans the plugins folder, loads every plugin concurrently (one bad plugin never stops the
 * others) and keeps the registry by service, in the configured order.
 */
export class PluginManager {
  private statuses: PluginStatus[] = [];
  private byId = new Map<string, Plugin>();
  private byService = new Map<ServiceName, readonly Plugin[]>();
  private readonly manifests = new Map<string, Manifest>();
  private loaded: Promise<void> | undefined;

  private readonly quarantine: Quarantine;

  constructor(private readonly options: PluginManagerOptions) {
    this.quarantine = new Quarantine({
      ...options.quarantine,
      onChange: (pluginId, out, reason) => {
        options.log[out ? 'warn' : 'info']({ plugin: pluginId, reason }, out ? 'plugin quarantined' : 'plugin back in service');
        options.onAvailability?.(pluginId, !out);
      },
    });
  }

  /** Scans and loads every plugin; resolves when each has loaded or failed. */
  loadAll(): Promise<void> {
    this.loaded ??= this.scanAndLoad();
    return this.loaded;
  }

  /** The ready plugin with this id. */
  get(id: string): Plugin | undefined {
    return this.byId.get(id);
  }

  /** The ready plugins that serve a service, in call order. */
  forService(service: ServiceName): readonly Plugin[] {
    return this.byService.get(service) ?? [];
  }

  /** The manifest of a plugin that is ready or still loading (OnInit's host calls need it). */
  manifest(id: string): Manifest | undefined {
    return this.manifests.get(id);
  }

  /** Every plugin folder found, ready or failed. */
  list(): readonly PluginStatus[] {
    return this.statuses;
  }

  /** Releases every plugin's module. */
  unloadAll(): void {
    for (const plugin of this.byId.values()) plugin.unload();
    this.byId = new Map();
    this.byService = new Map();
  }

  private async scanAndLoad(): Promise<void> {
    const { folder, log } = this.options;
    const folders = await scanPlugins(folder);
    this.statuses = await Promise.all(folders.map((location) => this.loadOne(location)));
    const ready = this.ordered(this.statuses.flatMap((status) => (status.plugin ? [status.plugin] : [])));
    this.byId = new Map(ready.map((plugin) => [plugin.id, plugin]));
    this.byService = new Map();
    for (const plugin of ready) {
      for (const service of plugin.manifest.services) this.byService.set(service, [...this.forService(service), plugin]);
    }
    log.info({ folder, ready: ready.length, failed: this.statuses.length - ready.length }, 'plugins loaded');
  }

  private async loadOne(location: PluginFolder): Promise<PluginStatus> {
    const { log } = this.options;
    const started = performance.now();
    try {
      const plugin = await loadPlugin(location, {
        ...this.options,
        quarantine: this.quarantine,
        onManifest: (id, manifest) => this.manifests.set(id, manifest),
      });
      const { name, version, services } = plugin.manifest;
      log.info({ plugin: location.id, name, version, services, ms: Math.round(performance.now() - started) }, 'plugin ready');
      return { ...location, state: 'ready', plugin };
    } catch (cause) {
      const error = cause instanceof NdpError ? cause : new NdpError('internal', `plugin ${location.id}: ${String(cause)}`, { pluginId: location.id, cause });
      log.error({ plugin: location.id, kind: error.kind, field: error.field, export: error.export }, error.message);
      this.manifests.delete(location.id);
      return { ...location, state: 'failed', error };
    }
  }

  private ordered(plugins: Plugin[]): Plugin[] {
    const rank = (id: string): number => {
      const index = this.options.order.indexOf(id);
      return index < 0 ? this.options.order.length : index;
    };
    return plugins.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  }
}
