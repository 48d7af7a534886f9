/**
 * The shape of a loaded configuration. Every field is readonly and the object is frozen: config
 * is read once at start-up and handed down in slices, so nothing downstream may change it.
 */

/** pino's level names, so the logger can take `logLevel` as it is. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How logs are written: `auto` is pretty on a terminal, json otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Per-plugin settings, passed to a plugin's OnInit as Navidrome's map<string,string>. */
export type PluginConfigMap = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The `[Plugins]` section, with every default and derived value filled in. */
export interface PluginsConfig {
  readonly enabled: boolean;
  /** Absolute path. */
  readonly folder: string;
  /** Plugin ids, in the order fan-out services call them. */
  readonly order: readonly string[];
  /** At least 1 and at most `maxWorkers`. */
  readonly minWorkers: number;
  readonly maxWorkers: number;
  /** `fresh`: every call sees a fresh instance; `pooled`: instances are reused as calls left them. */
  readonly instancePolicy: 'fresh' | 'pooled';
  /** `batch`: worker threads are SCHED_BATCH (Linux, via chrt); `normal`: the default policy; `adaptive`: normal while idle, batch while busy. */
  readonly workerScheduling: 'adaptive' | 'batch' | 'normal';
  /** Whole milliseconds, above 0 and within Node's timer range. */
  readonly callTimeoutMs: number;
  /** HTTP access for plugins whose manifest has no `permissions.http`. */
  readonly defaultHttp: 'deny' | 'allow';
  /** Lets every plugin reach local-network addresses. */
  readonly allowLocalNetwork: boolean;
  readonly httpMaxBodyBytes: number;
  /** Live timers per plugin. */
  readonly maxTimers: number;
  /** Live schedules per plugin (scheduler host service). */
  readonly maxSchedules: number;
  /** Bytes of cache entries per plugin (cache host service). */
  readonly cacheMaxBytes: number;
  /** Open WebSocket connections per plugin. */
  readonly maxWebSockets: number;
  /** Payload bytes of one timer. */
  readonly maxTimerPayloadBytes: number;
  /** Payload bytes of all of one plugin's live timers together. */
  readonly maxTimerPayloadBytesPerPlugin: number;
  /** Budget of OnInit and load-time checks. */
  readonly initTimeoutMs: number;
  /** Budget of calls the host starts: OnTimerCallback, OnSchedulerCallback, WebSocketCallback. */
  readonly timerCallbackTimeoutMs: number;
  readonly maxMemoryMiB: number;
  /** Entries of all of one instance's tables together. */
  readonly maxTableEntries: number;
  readonly maxResponseBytes: number;
  /** Quarantine: this many traps or timeouts within the window take a plugin out for the backoff. */
  readonly quarantine: { readonly failures: number; readonly windowMs: number; readonly backoffMs: number };
  /** Reload plugins whose files change. */
  readonly autoReload: boolean;
}

/** The `[Navidrome]` section: the main server, for the artwork and subsonicapi host services. Empty strings are unset. */
export interface NavidromeConfig {
  readonly baseUrl: string;
  readonly shareUrl: string;
  readonly jwtSecret: string;
  readonly subsonicUrl: string;
  readonly reverseProxyUserHeader: string;
}

/** Where the admin service listens (AdminAddress), when it is on. */
export interface AdminListenerConfig {
  /** As grpc-js binds and dials it: `unix:/absolute/path` or a loopback `host:port`. */
  readonly address: string;
  /** The socket file's absolute path, when `address` is a unix socket. */
  readonly socketPath?: string;
}

/** The `[TLS]` section, when Cert and Key are set: absolute paths of PEM files, read at start. */
export interface TlsConfig {
  readonly cert: string;
  readonly key: string;
  /** Set: clients must present a certificate that chains to these CAs (mTLS). */
  readonly clientCa?: string;
}

/** The `[Tracing]` section: OpenTelemetry spans exported over OTLP/HTTP. */
export interface TracingConfig {
  readonly enabled: boolean;
  readonly endpoint: string;
  readonly serviceName: string;
}

/** The whole configuration: checked, resolved and frozen. */
export interface Config {
  /** `host:port`, or `[ipv6]:port`. */
  readonly address: string;
  /** Absent when AdminAddress is "" or "off". */
  readonly admin?: AdminListenerConfig;
  /** Absent: Address serves plaintext. */
  readonly tls?: TlsConfig;
  /** How long a shutdown waits for in-flight calls before cutting them off. */
  readonly shutdownTimeoutMs: number;
  /** Contract calls Address serves at once; more are refused with RESOURCE_EXHAUSTED. */
  readonly maxConcurrentCalls: number;
  /** Absolute paths. */
  readonly dataFolder: string;
  readonly cacheFolder: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** `host:port` of the Prometheus listener; empty when off. */
  readonly metricsAddress: string;
  readonly tracing: TracingConfig;
  readonly plugins: PluginsConfig;
  readonly navidrome: NavidromeConfig;
  /** Keyed by plugin id. */
  readonly pluginConfig: PluginConfigMap;
}
