import type { Logger } from 'pino';
import type { Config } from './config';
import { PluginManager } from './plugins';
import { Sandbox } from './runtime';
import { startServer } from './server';
import { createServiceHandlers } from './services';

/** A running sidecar: the gRPC server in front of the loaded plugins. */
export interface Sidecar {
  readonly port: number;
  readonly plugins: PluginManager;
  /** Current number of pool workers. */
  workers(): number;
  /** Drains in-flight calls, then stops the server and the workers. */
  close(): Promise<void>;
}

/**
 * Composes the sidecar from its config: sandbox -> plugin manager -> services -> server. The
 * server listens at once with health NOT_SERVING and turns SERVING when every plugin has loaded
 * or failed, so probes see start-up honestly.
 */
export async function startSidecar(config: Config, log: Logger): Promise<Sidecar> {
  const { plugins: settings } = config;
  const sandbox = new Sandbox({
    minWorkers: settings.minWorkers,
    maxWorkers: settings.maxWorkers,
    onWorkerLost: (reason) => log.warn({ reason }, 'sandbox worker replaced'),
    onGuestStderr: (plugin, stderr) => log.info({ plugin, stderr }, 'plugin wrote to stderr'),
  });
  const plugins = new PluginManager({ folder: settings.folder, order: settings.order, callTimeoutMs: settings.callTimeoutMs, sandbox, log });
  const handlers = createServiceHandlers({ plugins, callTimeoutMs: settings.callTimeoutMs, log });
  const server = await startServer({ address: config.address, handlers, log }).catch(async (error: unknown) => {
    await sandbox.close();
    throw error;
  });
  log.info({ address: config.address, port: server.port }, 'ndphost listening');
  if (settings.enabled) await plugins.loadAll();
  else log.warn('Plugins.Enabled is false: serving no plugins');
  server.setServing(true);
  return {
    port: server.port,
    plugins,
    workers: () => sandbox.workers,
    async close() {
      server.setServing(false);
      await server.shutdown();
      plugins.unloadAll();
      await sandbox.close();
    },
  };
}
