import type { ServiceName } from '../contract';
import type { CallLimits, StartFunction } from '../runtime';
import { NdpError } from '../errors';
import type { Manifest } from './manifest';
import type { PluginModule, PluginSandbox } from './plugin-grant';
import type { Quarantine } from './quarantine';
import type { PluginFolder } from './scan-plugins';

/** A plugin that passed every load check and can be called. */
export class Plugin {
  readonly id: string;
  readonly folder: string;
  readonly dev: boolean;
  private readonly services: ReadonlySet<ServiceName>;
  /** Calls in flight: a replaced version stays loaded until they finish. */
  private active = 0;
  private retired = false;

  constructor(
    location: PluginFolder,
    readonly manifest: Manifest,
    private readonly module: PluginModule,
    private readonly sandbox: PluginSandbox,
    private readonly quarantine: Quarantine,
  ) {
    this.id = location.id;
    this.folder = location.folder;
    this.dev = location.dev;
    this.services = new Set(manifest.services);
  }

  /** The start function each fresh instance runs before its call (`_initialize`, `_start`), if any. */
  get start(): StartFunction | undefined {
    return this.module.start;
  }

  /** Why its instances are not recycled between calls, if they are not (src/runtime/recyclable-module.ts). */
  get notRecyclable(): string | undefined {
    return this.module.notRecyclable;
  }

  /** The content hash of plugin.wasm. */
  get hash(): string {
    return this.module.hash;
  }

  /** True when the manifest declares the service (and the load checks proved it is exported). */
  serves(service: ServiceName): boolean {
    return this.services.has(service);
  }

  /** False while quarantined after repeated failures: fan-out skips it. */
  get available(): boolean {
    return !this.quarantine.isOut(this.id);
  }

  /** Calls an rpc export in a fresh instance with an encoded request; failures count towards quarantine. */
  async invoke(exportName: string, request: Uint8Array, limits: CallLimits): Promise<Uint8Array> {
    if (!this.available) throw new NdpError('unavailable', `plugin ${this.id} is quarantined after repeated failures`, { pluginId: this.id });
    this.active++;
    try {
      return await this.sandbox.call(this.module, exportName, request, limits);
    } catch (error) {
      if (error instanceof NdpError) this.quarantine.record(this.id, error.kind, error.message);
      throw error;
    } finally {
      if (--this.active === 0 && this.retired) this.sandbox.unload(this.module);
    }
  }

  /** Releases the compiled module once the calls in flight have finished (refresh, remove, shutdown). */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (this.active === 0) this.sandbox.unload(this.module);
  }
}
