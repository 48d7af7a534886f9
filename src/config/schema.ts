/**
 * The convict schema: every key, its default, check, environment variable and flag. Key names
 * and sections follow Navidrome's config file (`[Plugins]`, `[PluginConfig.<id>]`) so a
 * Navidrome user can carry settings across.
 *
 * Empty folders and `MinWorkers = 0` are placeholders that resolve-config.ts fills in, because
 * their real defaults depend on other keys (DataFolder) or on the machine (the CPU count).
 */
import type convict from 'convict';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './config';
import { FORMAT } from './formats';
import { checkPluginConfig, type PluginConfigRecord } from './plugin-config';

/** The settings as the config file spells them, after convict has merged and checked them. */
export interface RawConfig {
  Address: string;
  AdminAddress: string;
  ShutdownTimeout: number;
  MaxConcurrentCalls: number;
  TLS: {
    Cert: string;
    Key: string;
    ClientCA: string;
  };
  DataFolder: string;
  CacheFolder: string;
  LogLevel: LogLevel;
  LogFormat: LogFormat;
  MetricsAddress: string;
  Tracing: {
    Enabled: boolean;
    Endpoint: string;
    ServiceName: string;
  };
  Plugins: {
    Enabled: boolean;
    Folder: string;
    Order: string[];
    MinWorkers: number;
    MaxWorkers: number;
    InstancePolicy: 'fresh' | 'pooled';
    WorkerScheduling: 'adaptive' | 'batch' | 'normal';
    CallTimeout: number;
    DefaultHttp: 'deny' | 'allow';
    AllowLocalNetwork: boolean;
    HttpMaxBodyBytes: number;
    MaxTimers: number;
    MaxSchedules: number;
    CacheMaxBytes: number;
    MaxWebSockets: number;
    MaxTimerPayloadBytes: number;
    MaxTimerPayloadBytesPerPlugin: number;
    InitTimeout: number;
    TimerCallbackTimeout: number;
    MaxMemoryMiB: number;
    MaxTableEntries: number;
    MaxResponseBytes: number;
    QuarantineFailures: number;
    QuarantineWindow: number;
    QuarantineBackoff: number;
    AutoReload: boolean;
  };
  Navidrome: {
    BaseURL: string;
    ShareURL: string;
    JWTSecret: string;
    SubsonicURL: string;
    ReverseProxyUserHeader: string;
  };
  PluginConfig: PluginConfigRecord;
}

export const configSchema: convict.Schema<RawConfig> = {
  Address: {
    doc: 'host:port the gRPC server listens on ([::1]:port for IPv6; port 0 picks a free port)',
    format: FORMAT.address,
    default: '127.0.0.1:50051',
    env: 'NDPHOST_ADDRESS',
    arg: 'address',
  },
  AdminAddress: {
    doc: 'Where the admin service (reload, remove plugins) listens: "unix:<path>" (a relative path is inside DataFolder), a loopback "host:port", or "" to turn it off',
    format: FORMAT.adminAddress,
    default: 'unix:admin.sock',
    env: 'NDPHOST_ADMINADDRESS',
    arg: 'admin-address',
  },
  ShutdownTimeout: {
    doc: 'On SIGTERM or SIGINT, how long in-flight calls may take to finish before they are cut off (a duration)',
    format: FORMAT.duration,
    default: 10_000,
    env: 'NDPHOST_SHUTDOWNTIMEOUT',
    arg: 'shutdown-timeout',
  },
  MaxConcurrentCalls: {
    doc: 'Most contract calls Address serves at once (a MetadataAgent fan-out counts once); a call past it is refused at once with RESOURCE_EXHAUSTED instead of waiting for a worker',
    format: FORMAT.positiveInt,
    default: 1000,
    env: 'NDPHOST_MAXCONCURRENTCALLS',
    arg: 'max-concurrent-calls',
  },
  TLS: {
    Cert: {
      doc: 'PEM certificate (chain) file: with Key, Address serves TLS instead of plaintext',
      format: FORMAT.text,
      default: '',
      env: 'NDPHOST_TLS_CERT',
      arg: 'tls-cert',
    },
    Key: {
      doc: "PEM private key file of TLS.Cert",
      format: FORMAT.text,
      default: '',
      env: 'NDPHOST_TLS_KEY',
      arg: 'tls-key',
    },
    ClientCA: {
      doc: 'PEM file of the CA certificates client certificates must chain to: when set, clients without a valid certificate are refused (mTLS)',
      format: FORMAT.text,
      default: '',
      env: 'NDPHOST_TLS_CLIENTCA',
      arg: 'tls-client-ca',
    },
  },
  DataFolder: {
    doc: 'Folder for ndphost data; the other folders default to places inside it',
    format: FORMAT.folder,
    default: './data',
    env: 'NDPHOST_DATAFOLDER',
    arg: 'data-folder',
  },
  CacheFolder: {
    doc: 'Folder for caches (default: <DataFolder>/cache)',
    format: FORMAT.optionalFolder,
    default: '',
    env: 'NDPHOST_CACHEFOLDER',
    arg: 'cache-folder',
  },
  LogLevel: {
    doc: `Log level: ${LOG_LEVELS.join(', ')}`,
    format: [...LOG_LEVELS],
    default: 'info',
    env: 'NDPHOST_LOGLEVEL',
    arg: 'log-level',
  },
  LogFormat: {
    doc: 'Log format: json (one object a line), pretty (human-readable) or auto (pretty when stdout is a terminal, else json)',
    format: [...LOG_FORMATS],
    default: 'auto',
    env: 'NDPHOST_LOGFORMAT',
    arg: 'log-format',
  },
  MetricsAddress: {
    doc: 'host:port of a separate HTTP listener serving Prometheus metrics at /metrics, e.g. 127.0.0.1:9464 (empty: off)',
    format: FORMAT.optionalAddress,
    default: '',
    env: 'NDPHOST_METRICSADDRESS',
    arg: 'metrics-address',
  },
  Tracing: {
    Enabled: {
      doc: 'Export OpenTelemetry traces: a span per contract call and per plugin call',
      format: FORMAT.boolean,
      default: false,
      env: 'NDPHOST_TRACING_ENABLED',
      arg: 'tracing-enabled',
    },
    Endpoint: {
      doc: 'The OTLP/HTTP traces endpoint spans are sent to as JSON (empty: the exporter default, http://localhost:4318/v1/traces)',
      format: FORMAT.optionalUrl,
      default: 'http://127.0.0.1:4318/v1/traces',
      env: 'NDPHOST_TRACING_ENDPOINT',
      arg: 'tracing-endpoint',
    },
    ServiceName: {
      doc: 'The service.name resource attribute of exported spans',
      format: FORMAT.text,
      default: 'ndphost',
      env: 'NDPHOST_TRACING_SERVICENAME',
      arg: 'tracing-service-name',
    },
  },
  Plugins: {
    Enabled: {
      doc: 'Load and serve plugins',
      format: FORMAT.boolean,
      default: true,
      env: 'NDPHOST_PLUGINS_ENABLED',
      arg: 'plugins-enabled',
    },
    Folder: {
      doc: 'Folder holding one sub-folder (or .ndp package) per plugin (default: <DataFolder>/plugins)',
      format: FORMAT.optionalFolder,
      default: '',
      env: 'NDPHOST_PLUGINS_FOLDER',
      arg: 'plugins-folder',
    },
    Order: {
      doc: 'Plugin ids in the order services try them (comma-separated in env and flags)',
      format: FORMAT.pluginIds,
      default: [],
      env: 'NDPHOST_PLUGINS_ORDER',
      arg: 'plugins-order',
    },
    MinWorkers: {
      doc: 'Worker threads kept running (0: one per CPU but one, at least 1, at most MaxWorkers)',
      format: FORMAT.workers,
      default: 0,
      env: 'NDPHOST_PLUGINS_MINWORKERS',
      arg: 'plugins-min-workers',
    },
    MaxWorkers: {
      doc: 'Most worker threads at once (at least MinWorkers)',
      format: FORMAT.positiveInt,
      default: 16,
      env: 'NDPHOST_PLUGINS_MAXWORKERS',
      arg: 'plugins-max-workers',
    },
    InstancePolicy: {
      doc: 'Instances per call: "fresh" (every call sees a fresh instance) or "pooled" (instances are reused as calls left them: plugins are no longer stateless)',
      format: ['fresh', 'pooled'],
      default: 'fresh',
      env: 'NDPHOST_PLUGINS_INSTANCEPOLICY',
      arg: 'plugins-instance-policy',
    },
    WorkerScheduling: {
      doc: 'How Linux schedules the worker threads: "adaptive" (normal while calls come one at a time, batch while they wait for each other), "batch" (SCHED_BATCH, set with util-linux\'s chrt: a worker woken with a job waits for the serving thread to yield its CPU instead of preempting it) or "normal" (the default policy)',
      format: ['adaptive', 'batch', 'normal'],
      default: 'adaptive',
      env: 'NDPHOST_PLUGINS_WORKERSCHEDULING',
      arg: 'plugins-worker-scheduling',
    },
    CallTimeout: {
      doc: 'Time limit for one plugin call, from when a worker starts it (it also waits at most this long for one): milliseconds, or a duration like "500ms", "10s", "1m"',
      format: FORMAT.duration,
      default: 10_000,
      env: 'NDPHOST_PLUGINS_CALLTIMEOUT',
      arg: 'plugins-call-timeout',
    },
    DefaultHttp: {
      doc: 'HTTP access for plugins whose manifest has no permissions.http: "deny" or "allow"',
      format: ['deny', 'allow'],
      default: 'deny',
      env: 'NDPHOST_PLUGINS_DEFAULTHTTP',
      arg: 'plugins-default-http',
    },
    AllowLocalNetwork: {
      doc: 'Let every plugin reach loopback, private, link-local and unique-local addresses',
      format: FORMAT.boolean,
      default: false,
      env: 'NDPHOST_PLUGINS_ALLOWLOCALNETWORK',
      arg: 'plugins-allow-local-network',
    },
    HttpMaxBodyBytes: {
      doc: 'Largest HTTP response body or incoming WebSocket message a plugin may receive, in bytes (larger is an error, never truncated)',
      format: FORMAT.positiveInt,
      default: 10 * 1024 * 1024,
      env: 'NDPHOST_PLUGINS_HTTPMAXBODYBYTES',
      arg: 'plugins-http-max-body-bytes',
    },
    MaxTimers: {
      doc: 'Most live timers one plugin may have',
      format: FORMAT.positiveInt,
      default: 1000,
      env: 'NDPHOST_PLUGINS_MAXTIMERS',
      arg: 'plugins-max-timers',
    },
    MaxTimerPayloadBytes: {
      doc: 'Largest payload one timer (or schedule) may carry, in bytes (a larger one is refused with an error)',
      format: FORMAT.positiveInt,
      default: 64 * 1024,
      env: 'NDPHOST_PLUGINS_MAXTIMERPAYLOADBYTES',
      arg: 'plugins-max-timer-payload-bytes',
    },
    MaxTimerPayloadBytesPerPlugin: {
      doc: "Payload bytes all of one plugin's live timers (and, apart, its schedules) may carry together (bounds timers.json and schedules.json)",
      format: FORMAT.positiveInt,
      default: 1024 * 1024,
      env: 'NDPHOST_PLUGINS_MAXTIMERPAYLOADBYTESPERPLUGIN',
      arg: 'plugins-max-timer-payload-bytes-per-plugin',
    },
    MaxSchedules: {
      doc: 'Most live schedules (scheduler host service) one plugin may have',
      format: FORMAT.positiveInt,
      default: 1000,
      env: 'NDPHOST_PLUGINS_MAXSCHEDULES',
      arg: 'plugins-max-schedules',
    },
    CacheMaxBytes: {
      doc: "Most bytes one plugin's cache entries (cache host service) may take; the entries that expire first make room",
      format: FORMAT.positiveInt,
      default: 16 * 1024 * 1024,
      env: 'NDPHOST_PLUGINS_CACHEMAXBYTES',
      arg: 'plugins-cache-max-bytes',
    },
    MaxWebSockets: {
      doc: 'Most open WebSocket connections (websocket host service) one plugin may have',
      format: FORMAT.positiveInt,
      default: 16,
      env: 'NDPHOST_PLUGINS_MAXWEBSOCKETS',
      arg: 'plugins-max-websockets',
    },
    InitTimeout: {
      doc: 'Time limit for OnInit and each load-time check, from when it starts running (a duration, like CallTimeout)',
      format: FORMAT.duration,
      default: 30_000,
      env: 'NDPHOST_PLUGINS_INITTIMEOUT',
      arg: 'plugins-init-timeout',
    },
    TimerCallbackTimeout: {
      doc: 'Time limit for calls the host starts: OnTimerCallback, OnSchedulerCallback, WebSocketCallback (a duration, like CallTimeout)',
      format: FORMAT.duration,
      default: 60_000,
      env: 'NDPHOST_PLUGINS_TIMERCALLBACKTIMEOUT',
      arg: 'plugins-timer-callback-timeout',
    },
    MaxMemoryMiB: {
      doc: 'Linear memory cap per plugin instance, in MiB, whatever the module declares',
      format: FORMAT.positiveInt,
      default: 128,
      env: 'NDPHOST_PLUGINS_MAXMEMORYMIB',
      arg: 'plugins-max-memory-mib',
    },
    MaxTableEntries: {
      doc: 'Most entries the tables of one plugin instance may hold, all tables together, whatever the module declares',
      format: FORMAT.positiveInt,
      default: 100_000,
      env: 'NDPHOST_PLUGINS_MAXTABLEENTRIES',
      arg: 'plugins-max-table-entries',
    },
    MaxResponseBytes: {
      doc: 'Largest response a plugin call may return, in bytes',
      format: FORMAT.positiveInt,
      default: 16 * 1024 * 1024,
      env: 'NDPHOST_PLUGINS_MAXRESPONSEBYTES',
      arg: 'plugins-max-response-bytes',
    },
    QuarantineFailures: {
      doc: 'Traps or timeouts within QuarantineWindow that take a plugin out of service for QuarantineBackoff',
      format: FORMAT.positiveInt,
      default: 5,
      env: 'NDPHOST_PLUGINS_QUARANTINEFAILURES',
      arg: 'plugins-quarantine-failures',
    },
    QuarantineWindow: {
      doc: 'The window QuarantineFailures are counted in (a duration)',
      format: FORMAT.duration,
      default: 60_000,
      env: 'NDPHOST_PLUGINS_QUARANTINEWINDOW',
      arg: 'plugins-quarantine-window',
    },
    QuarantineBackoff: {
      doc: 'How long a quarantined plugin is skipped before it is tried again (a duration)',
      format: FORMAT.duration,
      default: 30_000,
      env: 'NDPHOST_PLUGINS_QUARANTINEBACKOFF',
      arg: 'plugins-quarantine-backoff',
    },
    AutoReload: {
      doc: 'Watch the plugins folder and reload plugins whose files change',
      format: FORMAT.boolean,
      default: false,
      env: 'NDPHOST_PLUGINS_AUTORELOAD',
      arg: 'plugins-auto-reload',
    },
  },
  Navidrome: {
    BaseURL: {
      doc: "The main server's public URL with its base path, as Navidrome's BaseURL (e.g. https://music.example.com/navidrome): artwork share URLs start with it",
      format: FORMAT.optionalUrl,
      default: '',
      env: 'NDPHOST_NAVIDROME_BASEURL',
      arg: 'navidrome-base-url',
    },
    ShareURL: {
      doc: "As Navidrome's ShareURL: when set, artwork share URLs use its scheme and host (not BaseURL's)",
      format: FORMAT.optionalUrl,
      default: '',
      env: 'NDPHOST_NAVIDROME_SHAREURL',
      arg: 'navidrome-share-url',
    },
    JWTSecret: {
      doc: "The secret the main server signs its share tokens with (its JWTSecret); without it artwork URLs are empty",
      format: FORMAT.text,
      default: '',
      sensitive: true,
      env: 'NDPHOST_NAVIDROME_JWTSECRET',
      arg: 'navidrome-jwt-secret',
    },
    SubsonicURL: {
      doc: "The main server's Subsonic API root, e.g. http://127.0.0.1:4533/rest, for the subsonicapi host service",
      format: FORMAT.optionalUrl,
      default: '',
      env: 'NDPHOST_NAVIDROME_SUBSONICURL',
      arg: 'navidrome-subsonic-url',
    },
    ReverseProxyUserHeader: {
      doc: "The header the main server takes the user from when ndphost's address is in its ReverseProxyWhitelist (as Navidrome's ReverseProxyUserHeader)",
      format: FORMAT.headerName,
      default: 'Remote-User',
      env: 'NDPHOST_NAVIDROME_REVERSEPROXYUSERHEADER',
      arg: 'navidrome-reverse-proxy-user-header',
    },
  },
  PluginConfig: {
    doc: 'Per-plugin settings: [PluginConfig.<plugin id>] sections of key = "value" pairs (file only)',
    format: checkPluginConfig,
    default: {},
  },
};

/** One configurable key: its config-file name, flag and environment variable. */
export interface ConfigOption {
  /** As written in the config file, e.g. `Plugins.MaxWorkers`. */
  readonly key: string;
  readonly doc: string;
  /** Without the leading `--`; absent for file-only keys. */
  readonly flag?: string;
  readonly env?: string;
}

/** What the schema says about a dotted key: a section, a single setting, or nothing. */
export type SchemaNode =
  | { readonly kind: 'section' }
  | { readonly kind: 'setting'; readonly option: ConfigOption };

type SchemaTree = { readonly [name: string]: SchemaTree | convict.SchemaObj };

// convict's rule: a node with a `default` is a setting, anything else is a section.
function isSetting(node: SchemaTree | convict.SchemaObj): node is convict.SchemaObj {
  return 'default' in node;
}

function collectOptions(tree: SchemaTree, prefix: string, into: ConfigOption[]): ConfigOption[] {
  for (const [name, node] of Object.entries(tree)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    if (isSetting(node)) {
      into.push({ key, doc: node.doc ?? '', flag: node.arg, env: node.env });
    } else {
      collectOptions(node, key, into);
    }
  }
  return into;
}

/** Every setting, in schema order. */
export const configOptions: readonly ConfigOption[] = Object.freeze(
  collectOptions(configSchema as SchemaTree, '', []).map((option) => Object.freeze(option)),
);

/** Looks up `key` (dotted, as in the config file). */
export function schemaNodeAt(key: string): SchemaNode | undefined {
  let node: SchemaTree | convict.SchemaObj = configSchema as SchemaTree;
  for (const name of key.split('.')) {
    if (isSetting(node) || !Object.hasOwn(node, name)) return undefined;
    node = node[name];
  }
  if (!isSetting(node)) return { kind: 'section' };
  const option = configOptions.find((candidate) => candidate.key === key);
  return option === undefined ? undefined : { kind: 'setting', option };
}
