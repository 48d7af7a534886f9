import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ServiceName } from '../contract';
import { NdpError } from '../errors';
import type { PluginState } from '../host';
import { fingerprintOf } from './fingerprint';
import { loadPlugin } from './load-plugin';
import { lstatOrUndefined, recoverLeftovers } from './package';
import type { Plugin } from './plugin';
import type { PluginSandbox } from './plugin-grant';
import { Quarantine, type QuarantineOptions } from './quarantine';
import { locatePlugin, scanPlugins, type PluginFolder } from './scan-plugins';

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
  readonly sandbox: PluginSandbox;
  readonly log: Logger;
  /** Told when a plugin becomes callable or stops being callable (loaded, failed, quarantined, removed). */
  readonly onAvailability?: (pluginId: string, available: boolean) => void;
  /** Told each time repeated failures take a plugin out of service, for metrics. */
  readonly onQuarantine?: (pluginId: string) => void;
  /**
   * What plugins hold in the host services (timers), released when a plugin is removed, and on
   * a refresh only once the new version has loaded: a refresh that fails keeps it all, and what
   * the new version's OnInit sets up is spared.
   */
  readonly state?: Pick<PluginState, 'mark'>;
}

/** What `plugin list` and health need to know about every plugin folder. */
export interface PluginStatus {
  readonly id: string;
  readonly folder: string;
  readonly dev: boolean;
  readonly state: 'ready' | 'failed';
  readonly plugin?: Plugin;
  readonly error?: NdpError;
  /** What the files looked like when loaded, to tell whether a rescan must reload. */
  readonly fingerprint?: string;
}

/** What a refresh did. */
export interface ReloadResult {
  readonly status: PluginStatus;
  readonly oldVersion?: string;
}

/**
 * Scans the plugins folder, loads every plugin concurrently (one bad plugin never stops the
 * others) and keeps the registry by service, in the configured order. Plugins can be reloaded,
 * removed and rescanned while calls are in flight: the registry is replaced, never mutated, so
 * a call keeps the version it started with.
 */
export class PluginManager {
  private readonly statuses = new Map<string, PluginStatus>();
  private byId = new Map<string, Plugin>();
  private byService = new Map<ServiceName, readonly Plugin[]>();
  private readonly quarantine: Quarantine;
  /** One change at a time per plugin id. */
  private readonly changing = new Map<string, Promise<unknown>>();

  constructor(private readonly options: PluginManagerOptions) {
    this.quarantine = new Quarantine({
      ...options.quarantine,
      onChange: (pluginId, out, reason) => {
        options.log[out ? 'warn' : 'info']({ plugin: pluginId, reason }, out ? 'plugin quarantined' : 'plugin back in service');
        options.onAvailability?.(pluginId, !out);
        if (out) options.onQuarantine?.(pluginId);
      },
    });
  }

  /**
   * Finishes or undoes what a crash left in the folder, then scans and loads every plugin;
   * resolves when each has loaded or failed.
   */
  async loadAll(): Promise<void> {
    const { folder, log } = this.options;
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await this.recover();
    const folders = await scanPlugins(folder);
    await Promise.all(folders.map((location) => this.exclusive(location.id, () => this.load(location))));
    const ready = this.byId.size;
    log.info({ folder, ready, failed: this.statuses.size - ready }, 'plugins loaded');
  }

  /** The ready plugin with this id. */
  get(id: string): Plugin | undefined {
    return this.byId.get(id);
  }

  /** Resolves once any load, reload or removal of this plugin already under way has finished. */
  settled(id: string): Promise<void> {
    return (this.changing.get(id) ?? Promise.resolve()).then(
      () => undefined,
      () => undefined,
    );
  }

  /** The ready plugins that serve a service, in call order. */
  forService(service: ServiceName): readonly Plugin[] {
    return this.byService.get(service) ?? [];
  }

  /** True while a ready plugin is quarantined. */
  isQuarantined(id: string): boolean {
    return this.quarantine.isOut(id);
  }

  /** Every plugin folder found, ready or failed, by id. */
  list(): PluginStatus[] {
    return [...this.statuses.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Reloads one plugin from its folder: manifest, module, OnInit. On success the new version
   * serves the next calls; on failure a plugin that was ready keeps serving, and the error says
   * why. A folder that is gone removes the plugin.
   */
  reload(id: string): Promise<ReloadResult> {
    return this.exclusive(id, async () => {
      const known = this.statuses.has(id);
      const oldVersion = this.byId.get(id)?.manifest.version;
      const location = await locatePlugin(this.options.folder, id);
      // No folder, or it went away while it loaded: a removal.
      const status = location && (await this.load(location));
      if (!status) {
        await this.drop(id);
        throw new NdpError('unknown_plugin', known ? `plugin ${id} is no longer in the plugins folder; it was removed` : `no plugin ${id} in the plugins folder`, { pluginId: id });
      }
      if (status.error) throw status.error;
      return { status, oldVersion };
    });
  }

  /**
   * Brings the registry in line with the folder: loads new plugins, reloads changed or failed
   * ones, drops removed ones. Unchanged ready plugins are left alone (their timers too).
   */
  async rescan(): Promise<PluginStatus[]> {
    const folders = await scanPlugins(this.options.folder);
    const found = new Set(folders.map((location) => location.id));
    await Promise.all([...this.statuses.keys()].filter((id) => !found.has(id)).map((id) => this.exclusive(id, () => this.drop(id))));
    await Promise.all(
      folders.map((location) =>
        this.exclusive(location.id, async () => {
          const current = this.statuses.get(location.id);
          if (current?.state === 'ready' && current.fingerprint === (await fingerprintOf(location.folder))) return;
          await this.load(location);
        }),
      ),
    );
    return this.list();
  }

  /** Releases every plugin (shutdown). */
  unloadAll(): void {
    for (const plugin of this.byId.values()) plugin.retire();
    this.byId = new Map();
    this.byService = new Map();
  }

  private async recover(): Promise<void> {
    const { folder, log } = this.options;
    for (const { id, path, outcome, message } of await recoverLeftovers(folder)) {
      log[outcome === 'restored' || outcome === 'kept' ? 'warn' : 'info']({ plugin: id, path, outcome }, message);
      // A removal cut short never released what the plugin held (its timers).
      if (outcome === 'finished-removal' && id !== undefined) await this.options.state?.mark(id)();
    }
  }

  /**
   * Loads a plugin and publishes the outcome; a failed reload keeps a ready old version.
   * Undefined when the folder went away while it loaded and no version was serving.
   */
  private async load(location: PluginFolder): Promise<PluginStatus | undefined> {
    const { log } = this.options;
    const started = performance.now();
    const previous = this.statuses.get(location.id);
    // Marked now, released only once the new version has loaded (issue 8: a failed refresh, or
    // AutoReload reading a half-written plugin.wasm, erased the plugin's timers for good).
    const releaseOld = previous ? this.options.state?.mark(location.id) : undefined;
    try {
      const fingerprint = await fingerprintOf(location.folder);
      const plugin = await loadPlugin(location, { ...this.options, quarantine: this.quarantine });
      await releaseOld?.();
      const { name, version, services } = plugin.manifest;
      const start = plugin.start ?? 'none';
      // Whether fresh instances can be recycled (restored between calls) or must be made anew.
      const instances = plugin.notRecyclable ? `not recyclable: ${plugin.notRecyclable}` : 'recyclable';
      log.info({ plugin: location.id, name, version, services, start, instances, ms: Math.round(performance.now() - started) }, previous ? 'plugin reloaded' : 'plugin ready');
      this.quarantine.forget(location.id);
      return this.publish({ ...location, state: 'ready', plugin, fingerprint });
    } catch (cause) {
      const error = cause instanceof NdpError ? cause : new NdpError('internal', `plugin ${location.id}: ${String(cause)}`, { pluginId: location.id, cause });
      // The folder went away while it was read (a remove, or an update between its two renames):
      // nothing is wrong with the plugin, and whoever moved it tells the sidecar next (or the
      // watcher does). So no error, and no failed entry for a plugin that is not there.
      const gone = await lstatOrUndefined(location.folder).then((entry) => entry === undefined, () => false);
      if (gone) log.info({ plugin: location.id, reason: error.message }, 'plugin folder went away while it loaded');
      else log.error({ plugin: location.id, kind: error.kind, field: error.field, export: error.export }, error.message);
      // The old version keeps serving: the refresh reports the error instead.
      if (previous?.state === 'ready') return { ...location, state: 'failed', error };
      if (gone) {
        await this.drop(location.id);
        return undefined;
      }
      return this.publish({ ...location, state: 'failed', error });
    }
  }

  private async drop(id: string): Promise<void> {
    if (!this.statuses.has(id)) return;
    await this.options.state?.mark(id)();
    this.statuses.delete(id);
    this.quarantine.forget(id);
    this.rebuild(id);
    this.options.log.info({ plugin: id }, 'plugin removed');
  }

  private publish(status: PluginStatus): PluginStatus {
    this.statuses.set(status.id, status);
    this.rebuild(status.id);
    return status;
  }

  /** Replaces the registry snapshot; the version it replaced retires once its calls finish. */
  private rebuild(changedId: string): void {
    const replaced = this.byId.get(changedId);
    const ready = this.ordered([...this.statuses.values()].flatMap((status) => (status.plugin ? [status.plugin] : [])));
    this.byId = new Map(ready.map((plugin) => [plugin.id, plugin]));
    const byService = new Map<ServiceName, Plugin[]>();
    for (const plugin of ready) {
      for (const service of plugin.manifest.services) byService.set(service, [...(byService.get(service) ?? []), plugin]);
    }
    this.byService = byService;
    if (replaced && replaced !== this.byId.get(changedId)) replaced.retire();
    this.options.onAvailability?.(changedId, this.byId.has(changedId));
  }

  private ordered(plugins: Plugin[]): Plugin[] {
    const rank = (id: string): number => {
      const index = this.options.order.indexOf(id);
      return index < 0 ? this.options.order.length : index;
    };
    return plugins.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  }

  private exclusive<T>(id: string, change: () => Promise<T>): Promise<T> {
    const next = (this.changing.get(id) ?? Promise.resolve()).catch(() => undefined).then(change);
    this.changing.set(id, next);
    // Pruned once settled unless a later change queued behind it: the map holds only ids whose
    // changes are running, never every id ever asked for.
    const settle = (): void => {
      if (this.changing.get(id) === next) this.changing.delete(id);
    };
    next.then(settle, settle);
    return next;
  }
}
