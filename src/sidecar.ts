// First, before anything loads node:http2 (internalize-header-names.ts says why).
import './server/internalize-header-names';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from './config';
import {
  ArtworkService,
  CacheService,
  closeHostServices,
  createHostBroker,
  HOST_FUNCTIONS,
  HttpService,
  PluginState,
  SchedulerService,
  schedulesFile,
  SubsonicApiService,
  TimerService,
  timersFile,
  WebSocketService,
  type HostGrant,
  type HostServices,
} from './host';
import { PluginManager, watchPlugins } from './plugins';
import { Sandbox } from './runtime';
import { startServer, type RunningServer } from './server';
import { createAdminHandlers, createServiceHandlers, schedulerFirer, timerFirer, webSocketDelivery } from './services';
import { createTelemetry } from './telemetry';

/** A running sidecar: the gRPC server in front of the loaded plugins. */
export interface Sidecar {
  readonly port: number;
  /** Where the admin service listens (`unix:/path` or `host:port`); absent when AdminAddress is off. */
  readonly adminAddress?: string;
  readonly plugins: PluginManager;
  readonly timers: TimerService;
  /** Every host service, for tests and health. */
  readonly host: HostServices;
  /** Current number of pool workers. */
  workers(): number;
  /** The Prometheus listener's port, when MetricsAddress is set. */
  readonly metricsPort: number | undefined;
  /**
   * Stops accepting calls, ends streaming calls, lets unary calls finish within ShutdownTimeout
   * (then cuts them off), and stops the timers and the workers.
   */
  close(): Promise<void>;
}

/** The health service name that reports one plugin's state. */
export function pluginHealthName(pluginId: string): string {
  return `ndphost.plugin.${pluginId}`;
}

/**
 * Composes the sidecar from its config: host services -> sandbox -> plugin manager -> services
 * -> server. The server listens at once with health NOT_SERVING and turns SERVING when every
 * plugin has loaded or failed, so probes see start-up honestly.
 */
export async function startSidecar(config: Config, log: Logger): Promise<Sidecar> {
  const { plugins: settings } = config;
  await mkdir(config.dataFolder, { recursive: true, mode: 0o700 });
  let markPluginsLoaded = (): void => undefined;
  const pluginsLoaded = new Promise<void>((resolve) => (markPluginsLoaded = resolve));
  const telemetry = createTelemetry(config, log);
  const { hooks } = telemetry;
  const http = new HttpService({
    defaultPolicy: settings.defaultHttp,
    allowLocalNetwork: settings.allowLocalNetwork,
    maxBodyBytes: settings.httpMaxBodyBytes,
    log,
    traceHeaders: hooks.traceHeaders,
    onRequest: hooks.onHttpRequest,
  });
  const timers = new TimerService({
    file: timersFile(config.dataFolder),
    limits: { maxTimers: settings.maxTimers, maxPayloadBytes: settings.maxTimerPayloadBytes, maxPayloadBytesPerPlugin: settings.maxTimerPayloadBytesPerPlugin },
    // A timer restored from disk may fall due before its plugin has loaded: it waits for it.
    fire: async (pluginId, timerId, payload) => {
      await pluginsLoaded;
      await fireTimer(pluginId, timerId, payload);
    },
    log,
  });
  const websockets = new WebSocketService({
    maxPerPlugin: settings.maxWebSockets,
    maxMessageBytes: settings.httpMaxBodyBytes,
    allowLocalNetwork: settings.allowLocalNetwork,
    deliver: (pluginId, event) => deliverWebSocketEvent(pluginId, event),
    log,
  });
  const { navidrome } = config;
  const host: HostServices = {
    http,
    timers,
    cache: new CacheService({ maxBytesPerPlugin: settings.cacheMaxBytes }),
    websockets,
    artwork: new ArtworkService({ baseUrl: navidrome.baseUrl, shareUrl: navidrome.shareUrl, jwtSecret: navidrome.jwtSecret, log }),
    scheduler: new SchedulerService({
      file: schedulesFile(config.dataFolder),
      // The timers' payload caps bound schedules.json the same way.
      limits: { maxSchedules: settings.maxSchedules, maxPayloadBytes: settings.maxTimerPayloadBytes, maxPayloadBytesPerPlugin: settings.maxTimerPayloadBytesPerPlugin },
      // As timers: a schedule restored from disk may fall due before its plugin has loaded.
      fire: async (pluginId, scheduleId, payload, isRecurring) => {
        await pluginsLoaded;
        await fireSchedule(pluginId, scheduleId, payload, isRecurring);
      },
      log,
    }),
    subsonic: new SubsonicApiService({ subsonicUrl: navidrome.subsonicUrl, userHeader: navidrome.reverseProxyUserHeader, maxBodyBytes: settings.httpMaxBodyBytes, log }),
  };
  const sandbox = new Sandbox<HostGrant>({
    minWorkers: settings.minWorkers,
    maxWorkers: settings.maxWorkers,
    instancePolicy: settings.instancePolicy,
    workerScheduling: settings.workerScheduling,
    onSchedulingUnavailable: (reason) => log.info({ reason }, 'sandbox workers keep the normal scheduling policy (Plugins.WorkerScheduling)'),
    maxMemoryMiB: settings.maxMemoryMiB,
    maxTableEntries: settings.maxTableEntries,
    maxResponseBytes: settings.maxResponseBytes,
    hostFunctions: HOST_FUNCTIONS,
    // Each call's permissions and config come with its job, as its plugin version was granted at load.
    hostCall: createHostBroker(host),
    onWorkerLost: (reason) => {
      log.warn({ reason }, 'sandbox worker replaced');
      hooks.onWorkerLost?.();
    },
    onCompiled: hooks.onCompiled,
    // Debug only: a plugin's chatter is not the operator's business unless asked for.
    onGuestOutput: (plugin, exportName, { stdout, stderr }) => log.debug({ plugin, export: exportName, stdout, stderr }, 'plugin output'),
  });
  // Quarantine changes reach health once the server is up; the plugins are loaded only after.
  let server: RunningServer | undefined;
  const plugins: PluginManager = new PluginManager({
    folder: settings.folder,
    order: settings.order,
    initTimeoutMs: settings.initTimeoutMs,
    pluginConfig: config.pluginConfig,
    quarantine: settings.quarantine,
    onAvailability: (pluginId, available) => server?.setStatus(pluginHealthName(pluginId), available),
    onQuarantine: hooks.onQuarantine,
    // A removed plugin's state goes with it, a refreshed one's once the new version has loaded.
    state: new PluginState(host),
    sandbox,
    log,
  });
  const deps = { plugins, callTimeoutMs: settings.callTimeoutMs, timerCallbackTimeoutMs: settings.timerCallbackTimeoutMs, log, observer: telemetry.pluginCalls };
  const fireTimer = timerFirer(deps);
  const deliverWebSocketEvent = webSocketDelivery(deps);
  const fireSchedule = schedulerFirer(deps);
  // Telemetry first: the servers report every call from the start.
  await telemetry.start({ callsInFlight: () => server?.callsInFlight ?? 0, pool: () => sandbox.stats, timersPending: () => timers.total, schedulesPending: () => host.scheduler.total }).catch(async (error: unknown) => {
    await Promise.all([http.close(), sandbox.close(), telemetry.close()]);
    throw error;
  });
  const [contract, admin] = await Promise.allSettled([
    startServer({
      address: config.address,
      addressKey: 'Address',
      tls: config.tls,
      handlers: createServiceHandlers(deps),
      log,
      observer: telemetry.contractCalls,
      maxConcurrentCalls: config.maxConcurrentCalls,
    }),
    config.admin === undefined
      ? undefined
      : startServer({ address: config.admin.address, addressKey: 'AdminAddress', socketPath: config.admin.socketPath, handlers: createAdminHandlers(plugins), log }),
  ]);
  if (contract.status === 'rejected' || admin.status === 'rejected') {
    const started = [contract, admin].flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
    await Promise.all([...started.map((running) => running.shutdown(0)), http.close(), sandbox.close(), telemetry.close()]);
    throw contract.status === 'rejected' ? contract.reason : (admin as PromiseRejectedResult).reason;
  }
  server = contract.value;
  const adminServer = admin.value;
  log.info({ address: config.address, port: server.port, tls: config.tls !== undefined, clientCertificates: config.tls?.clientCa !== undefined, admin: config.admin?.address ?? 'off' }, 'ndphost listening');
  // Timers and schedules start first: a plugin's OnInit may register its own.
  await Promise.all([timers.start(), host.scheduler.start()]);
  if (settings.enabled) await plugins.loadAll();
  else log.warn('Plugins.Enabled is false: serving no plugins');
  markPluginsLoaded();
  const watcher = settings.enabled && settings.autoReload ? watchPlugins(plugins, settings.folder, log) : undefined;
  server.setServing(true);
  adminServer?.setServing(true);
  return {
    port: server.port,
    // With port 0 the bound port is the one to dial.
    adminAddress: adminServer && config.admin?.socketPath === undefined ? config.admin?.address.replace(/:\d+$/, `:${adminServer.port}`) : config.admin?.address,
    plugins,
    timers,
    host,
    workers: () => sandbox.workers,
    metricsPort: telemetry.metricsPort,
    async close() {
      watcher?.close();
      const results = await Promise.all([server.shutdown(config.shutdownTimeoutMs), adminServer?.shutdown(config.shutdownTimeoutMs)]);
      if (results.some((result) => result?.forced)) log.warn({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'ShutdownTimeout passed: cut off the calls and connections still open');
      await closeHostServices(host);
      plugins.unloadAll();
      await sandbox.close();
      // Last, so the spans of the calls just drained are exported.
      await telemetry.close();
    },
  };
}
