import type { Logger } from 'pino';
import type { ServiceName } from '../contract';
import { NdpError } from '../errors';
import type { Sandbox } from '../runtime';
import { loadPlugin } from './load-plugin';
import type { Plugin } from './plugin';
import { scanPlugins, type PluginFolder } from './scan-plugins';

export interface PluginManagerOptions {
  readonly folder: string;
  /** Plugin ids asked first, in this order; the rest follow by id. */
  readonly order: readonly string[];
  /** Budget for the load-time calls (api version checks). */
  readonly callTimeoutMs: number;
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
  private loaded: Promise<void> | undefined;

  constructor(private readonly options: PluginManagerOptions) {}

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
    const { folder, sandbox, callTimeoutMs, log } = this.options;
    const folders = await scanPlugins(folder);
    this.statuses = await Promise.all(folders.map((location) => this.loadOne(location, sandbox, callTimeoutMs, log)));
    const ready = this.ordered(this.statuses.flatMap((status) => (status.plugin ? [status.plugin] : [])));
    this.byId = new Map(ready.map((plugin) => [plugin.id, plugin]));
    this.byService = new Map();
    for (const plugin of ready) {
      for (const service of plugin.manifest.services) this.byService.set(service, [...this.forService(service), plugin]);
    }
    log.info({ folder, ready: ready.length, failed: this.statuses.length - ready.length }, 'plugins loaded');
  }

  private async loadOne(location: PluginFolder, sandbox: Sandbox, callTimeoutMs: number, log: Logger): Promise<PluginStatus> {
    const started = performance.now();
    try {
      const plugin = await loadPlugin(location, sandbox, callTimeoutMs);
      const { name, version, services } = plugin.manifest;
      log.info({ plugin: location.id, name, version, services, ms: Math.round(performance.now() - started) }, 'plugin ready');
      return { ...location, state: 'ready', plugin };
    } catch (cause) {
      const error = cause instanceof NdpError ? cause : new NdpError('internal', `plugin ${location.id}: ${String(cause)}`, { pluginId: location.id, cause });
      log.error({ plugin: location.id, kind: error.kind, field: error.field, export: error.export }, error.message);
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
