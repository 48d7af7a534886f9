/**
 * Fills in the values that depend on other keys or on the machine, checks the one rule that spans
 * two keys, and maps the file's names to the camelCase `Config`.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ADMIN_OFF, unixSocketPath } from './address';
import type { AdminListenerConfig, Config, TlsConfig } from './config';
import { configError } from './config-error';
import { originOf, type Sources } from './origin';
import type { RawConfig } from './schema';

// Relative to the working directory, not the config file, as Navidrome does; an empty value
// means "inside DataFolder".
function folder(value: string, dataFolder: string, inside: string): string {
  return value === '' ? join(dataFolder, inside) : resolve(value);
}

/** `raw` has passed convict's checks; raises `bad_config` if MaxWorkers < MinWorkers. */
export function resolveConfig(raw: RawConfig, sources: Sources): Config {
  const dataFolder = resolve(raw.DataFolder);
  const { MaxWorkers: maxWorkers } = raw.Plugins;
  // One per CPU but the one the thread serving gRPC needs (RATIONALE.md, "How many workers?"),
  // capped at MaxWorkers: otherwise the defaults (MaxWorkers 16) would be rejected on any
  // machine with more than 17 CPUs.
  const minWorkers =
    raw.Plugins.MinWorkers === 0 ? Math.min(Math.max(1, availableParallelism() - 1), maxWorkers) : raw.Plugins.MinWorkers;
  if (maxWorkers < minWorkers) {
    const minOrigin = originOf('Plugins.MinWorkers', sources).description;
    throw configError(
      'Plugins.MaxWorkers',
      `must be at least Plugins.MinWorkers (${minWorkers}, from ${minOrigin}): value was ${maxWorkers}`,
      originOf('Plugins.MaxWorkers', sources),
    );
  }
  return {
    address: raw.Address,
    admin: adminListener(raw.AdminAddress, dataFolder, sources),
    tls: tlsConfig(raw.TLS, sources),
    shutdownTimeoutMs: raw.ShutdownTimeout,
    maxConcurrentCalls: raw.MaxConcurrentCalls,
    dataFolder,
    cacheFolder: folder(raw.CacheFolder, dataFolder, 'cache'),
    logLevel: raw.LogLevel,
    logFormat: raw.LogFormat,
    metricsAddress: raw.MetricsAddress,
    tracing: { enabled: raw.Tracing.Enabled, endpoint: raw.Tracing.Endpoint, serviceName: raw.Tracing.ServiceName },
    plugins: {
      enabled: raw.Plugins.Enabled,
      folder: folder(raw.Plugins.Folder, dataFolder, 'plugins'),
      order: raw.Plugins.Order,
      minWorkers,
      maxWorkers,
      instancePolicy: raw.Plugins.InstancePolicy,
      workerScheduling: raw.Plugins.WorkerScheduling,
      callTimeoutMs: raw.Plugins.CallTimeout,
      defaultHttp: raw.Plugins.DefaultHttp,
      allowLocalNetwork: raw.Plugins.AllowLocalNetwork,
      httpMaxBodyBytes: raw.Plugins.HttpMaxBodyBytes,
      maxTimers: raw.Plugins.MaxTimers,
      maxSchedules: raw.Plugins.MaxSchedules,
      cacheMaxBytes: raw.Plugins.CacheMaxBytes,
      maxWebSockets: raw.Plugins.MaxWebSockets,
      maxTimerPayloadBytes: raw.Plugins.MaxTimerPayloadBytes,
      maxTimerPayloadBytesPerPlugin: raw.Plugins.MaxTimerPayloadBytesPerPlugin,
      initTimeoutMs: raw.Plugins.InitTimeout,
      timerCallbackTimeoutMs: raw.Plugins.TimerCallbackTimeout,
      maxMemoryMiB: raw.Plugins.MaxMemoryMiB,
      maxTableEntries: raw.Plugins.MaxTableEntries,
      maxResponseBytes: raw.Plugins.MaxResponseBytes,
      quarantine: { failures: raw.Plugins.QuarantineFailures, windowMs: raw.Plugins.QuarantineWindow, backoffMs: raw.Plugins.QuarantineBackoff },
      autoReload: raw.Plugins.AutoReload,
    },
    navidrome: {
      baseUrl: raw.Navidrome.BaseURL,
      shareUrl: raw.Navidrome.ShareURL,
      jwtSecret: raw.Navidrome.JWTSecret,
      subsonicUrl: raw.Navidrome.SubsonicURL,
      reverseProxyUserHeader: raw.Navidrome.ReverseProxyUserHeader,
    },
    pluginConfig: raw.PluginConfig,
  };
}

/**
 * Linux's sockaddr_un holds 108 bytes with the closing NUL (macOS: 104); a longer path cannot be
 * bound at all, so it is refused here with the key rather than by the kernel at start.
 */
const MAX_SOCKET_PATH_BYTES = 107;

function adminListener(value: string, dataFolder: string, sources: Sources): AdminListenerConfig | undefined {
  if (ADMIN_OFF.has(value)) return undefined;
  const socket = unixSocketPath(value);
  if (socket === undefined) return { address: value };
  // A relative socket path is inside DataFolder, so the default follows DataFolder.
  const socketPath = resolve(dataFolder, socket);
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw configError(
      'AdminAddress',
      `the socket path ${socketPath} is ${bytes} bytes long, but a unix socket path may have at most ${MAX_SOCKET_PATH_BYTES}: use a shorter DataFolder or set AdminAddress to a shorter "unix:<path>" or a loopback "host:port"`,
      originOf('AdminAddress', sources),
    );
  }
  return { address: `unix:${socketPath}`, socketPath };
}

/** Cert and Key come together; ClientCA only beside them. Paths are relative to the working directory. */
function tlsConfig(raw: RawConfig['TLS'], sources: Sources): TlsConfig | undefined {
  const { Cert: cert, Key: key, ClientCA: clientCa } = raw;
  if (cert === '' && key === '') {
    if (clientCa !== '') throw configError('TLS.ClientCA', 'needs TLS.Cert and TLS.Key: client certificates are only asked for over TLS', originOf('TLS.ClientCA', sources));
    return undefined;
  }
  if (cert === '') throw configError('TLS.Cert', 'must be set when TLS.Key is: the certificate file that goes with the key', originOf('TLS.Key', sources));
  if (key === '') throw configError('TLS.Key', 'must be set when TLS.Cert is: the private key file of the certificate', originOf('TLS.Cert', sources));
  return { cert: resolve(cert), key: resolve(key), ...(clientCa === '' ? {} : { clientCa: resolve(clientCa) }) };
}
