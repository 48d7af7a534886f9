import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, type LoadConfigOptions } from '../../src/config';
import { NdpError } from '../../src/errors';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ndphost-config-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;

/** Writes `toml` to a fresh file in the temp folder and returns its path. */
function tomlFile(toml: string): string {
  fileCount += 1;
  const path = join(dir, `config-${fileCount}.toml`);
  writeFileSync(path, toml);
  return path;
}

/** Runs loadConfig and returns the NdpError it raises. */
function loadError(options: LoadConfigOptions): NdpError {
  try {
    loadConfig(options);
  } catch (error) {
    if (error instanceof NdpError) return error;
    throw error;
  }
  throw new Error('loadConfig did not fail');
}

// Every test passes its own env so the machine's NDPHOST_* variables cannot leak in.
const noEnv = {};

describe('loadConfig', () => {
  test('with no file, env or flags, every key has its default', () => {
    const config = loadConfig({ env: noEnv });
    expect(config).toEqual({
      address: '127.0.0.1:50051',
      admin: { address: `unix:${resolve('data', 'admin.sock')}`, socketPath: resolve('data', 'admin.sock') },
      shutdownTimeoutMs: 10_000,
      maxConcurrentCalls: 1000,
      dataFolder: resolve('data'),
      cacheFolder: resolve('data', 'cache'),
      logLevel: 'info',
      logFormat: 'auto',
      metricsAddress: '',
      tracing: { enabled: false, endpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'ndphost' },
      plugins: {
        enabled: true,
        folder: resolve('data', 'plugins'),
        order: [],
        minWorkers: Math.min(Math.max(1, availableParallelism() - 1), 16),
        maxWorkers: 16,
        instancePolicy: 'fresh',
        workerScheduling: 'adaptive',
        callTimeoutMs: 10_000,
        defaultHttp: 'deny',
        allowLocalNetwork: false,
        httpMaxBodyBytes: 10 * 1024 * 1024,
        maxTimers: 1000,
        maxTimerPayloadBytes: 65536,
        maxTimerPayloadBytesPerPlugin: 1048576,
        maxSchedules: 1000,
        cacheMaxBytes: 16 * 1024 * 1024,
        maxWebSockets: 16,
        initTimeoutMs: 30_000,
        timerCallbackTimeoutMs: 60_000,
        maxMemoryMiB: 128,
        maxTableEntries: 100_000,
        maxResponseBytes: 16 * 1024 * 1024,
        quarantine: { failures: 5, windowMs: 60_000, backoffMs: 30_000 },
        autoReload: false,
      },
      navidrome: { baseUrl: '', shareUrl: '', jwtSecret: '', subsonicUrl: '', reverseProxyUserHeader: 'Remote-User' },
      pluginConfig: {},
    });
  });

  test('values from the TOML file replace the defaults', () => {
    const configFile = tomlFile(`
      Address = "0.0.0.0:6000"
      AdminAddress = "127.0.0.1:6001"
      ShutdownTimeout = "30s"
      MaxConcurrentCalls = 64
      DataFolder = "/srv/ndp"
      CacheFolder = "/var/cache/ndp"
      LogLevel = "debug"
      LogFormat = "pretty"
      MetricsAddress = "[::1]:9464"

      [Tracing]
      Enabled = true
      Endpoint = "https://otel.example.com/v1/traces"
      ServiceName = "ndphost-eu"

      [Plugins]
      Enabled = false
      Folder = "/opt/plugins"
      Order = ["wikibio", "lastfm"]
      MinWorkers = 2
      MaxWorkers = 4
      InstancePolicy = "pooled"
      WorkerScheduling = "normal"
      CallTimeout = "1m30s"
      DefaultHttp = "allow"
      AllowLocalNetwork = true
      HttpMaxBodyBytes = 1024
      MaxTimers = 5
      MaxTimerPayloadBytes = 100
      MaxTimerPayloadBytesPerPlugin = 300
      MaxSchedules = 6
      CacheMaxBytes = 4096
      MaxWebSockets = 2

      [Navidrome]
      BaseURL = "https://music.example.com/navidrome"
      ShareURL = "https://share.example.com"
      JWTSecret = "s3cret"
      SubsonicURL = "http://127.0.0.1:4533/rest"
      ReverseProxyUserHeader = "X-Auth-User"

      [TLS]
      Cert = "/etc/ndp/server.pem"
      Key = "/etc/ndp/server.key"
      ClientCA = "/etc/ndp/clients.pem"
    `);
    expect(loadConfig({ configFile, env: noEnv })).toEqual({
      address: '0.0.0.0:6000',
      admin: { address: '127.0.0.1:6001' },
      shutdownTimeoutMs: 30_000,
      maxConcurrentCalls: 64,
      tls: { cert: '/etc/ndp/server.pem', key: '/etc/ndp/server.key', clientCa: '/etc/ndp/clients.pem' },
      dataFolder: '/srv/ndp',
      cacheFolder: '/var/cache/ndp',
      logLevel: 'debug',
      logFormat: 'pretty',
      metricsAddress: '[::1]:9464',
      tracing: { enabled: true, endpoint: 'https://otel.example.com/v1/traces', serviceName: 'ndphost-eu' },
      plugins: {
        enabled: false,
        folder: '/opt/plugins',
        order: ['wikibio', 'lastfm'],
        minWorkers: 2,
        maxWorkers: 4,
        instancePolicy: 'pooled',
        workerScheduling: 'normal',
        callTimeoutMs: 90_000,
        defaultHttp: 'allow',
        allowLocalNetwork: true,
        httpMaxBodyBytes: 1024,
        maxTimers: 5,
        maxTimerPayloadBytes: 100,
        maxTimerPayloadBytesPerPlugin: 300,
        maxSchedules: 6,
        cacheMaxBytes: 4096,
        maxWebSockets: 2,
        initTimeoutMs: 30_000,
        timerCallbackTimeoutMs: 60_000,
        maxMemoryMiB: 128,
        maxTableEntries: 100_000,
        maxResponseBytes: 16 * 1024 * 1024,
        quarantine: { failures: 5, windowMs: 60_000, backoffMs: 30_000 },
        autoReload: false,
      },
      navidrome: {
        baseUrl: 'https://music.example.com/navidrome',
        shareUrl: 'https://share.example.com',
        jwtSecret: 's3cret',
        subsonicUrl: 'http://127.0.0.1:4533/rest',
        reverseProxyUserHeader: 'X-Auth-User',
      },
      pluginConfig: {},
    });
  });

  test('CallTimeout accepts milliseconds and duration strings', () => {
    const cases: Array<[string, number]> = [
      ['2500', 2500],
      ['"500ms"', 500],
      ['"10s"', 10_000],
      ['"1m"', 60_000],
      ['"1.5h"', 5_400_000],
    ];
    for (const [toml, ms] of cases) {
      const configFile = tomlFile(`[Plugins]\nCallTimeout = ${toml}\n`);
      expect(loadConfig({ configFile, env: noEnv }).plugins.callTimeoutMs).toBe(ms);
    }
  });

  test('environment variables override the file', () => {
    const configFile = tomlFile(`
      Address = "127.0.0.1:1000"
      LogLevel = "debug"
      [Plugins]
      Enabled = true
      Order = ["a"]
      MaxWorkers = 4
      CallTimeout = "5s"
    `);
    const config = loadConfig({
      configFile,
      env: {
        NDPHOST_ADDRESS: '[::1]:2000',
        NDPHOST_LOGLEVEL: 'warn',
        NDPHOST_PLUGINS_ENABLED: 'false',
        NDPHOST_PLUGINS_ORDER: 'b, c',
        NDPHOST_PLUGINS_MAXWORKERS: '8',
        NDPHOST_PLUGINS_CALLTIMEOUT: '250',
      },
    });
    expect(config.address).toBe('[::1]:2000');
    expect(config.logLevel).toBe('warn');
    expect(config.plugins.enabled).toBe(false);
    expect(config.plugins.order).toEqual(['b', 'c']);
    expect(config.plugins.maxWorkers).toBe(8);
    expect(config.plugins.callTimeoutMs).toBe(250);
  });

  test('flags override environment variables', () => {
    const config = loadConfig({
      env: {
        NDPHOST_ADDRESS: '127.0.0.1:2000',
        NDPHOST_DATAFOLDER: '/from-env',
        NDPHOST_LOGLEVEL: 'warn',
        NDPHOST_PLUGINS_ENABLED: 'true',
        NDPHOST_PLUGINS_ORDER: 'a',
        NDPHOST_PLUGINS_MAXWORKERS: '8',
        NDPHOST_PLUGINS_CALLTIMEOUT: '5s',
      },
      args: [
        'serve',
        '--address', 'localhost:3000',
        '--data-folder', '/from-flag',
        '--log-level=error',
        '--no-plugins-enabled',
        '--plugins-order', 'x,y',
        '--plugins-order', 'z',
        '--plugins-max-workers', '12',
        '--plugins-min-workers', '3',
        '--plugins-call-timeout', '2s',
      ],
    });
    expect(config.address).toBe('localhost:3000');
    expect(config.dataFolder).toBe('/from-flag');
    expect(config.logLevel).toBe('error');
    expect(config.plugins.enabled).toBe(false);
    expect(config.plugins.order).toEqual(['x', 'y', 'z']);
    expect(config.plugins.maxWorkers).toBe(12);
    expect(config.plugins.minWorkers).toBe(3);
    expect(config.plugins.callTimeoutMs).toBe(2000);
  });

  test('env defaults to process.env, and flags are read only from args', () => {
    const savedArgv = process.argv;
    process.env.NDPHOST_LOGLEVEL = 'trace';
    process.argv = [...savedArgv, '--address', 'example.com:1'];
    try {
      const config = loadConfig({});
      expect(config.logLevel).toBe('trace');
      expect(config.address).toBe('127.0.0.1:50051');
    } finally {
      delete process.env.NDPHOST_LOGLEVEL;
      process.argv = savedArgv;
    }
  });

  test('PluginConfig values become strings, one map per plugin id', () => {
    const configFile = tomlFile(`
      [PluginConfig.wikibio]
      language = "en"
      max_sentences = 3
      ratio = 0.5
      include_links = false

      [PluginConfig.my-plugin]
      api_key = "secret"
      since = 1979-05-27
    `);
    expect(loadConfig({ configFile, env: noEnv }).pluginConfig).toEqual({
      wikibio: { language: 'en', max_sentences: '3', ratio: '0.5', include_links: 'false' },
      'my-plugin': { api_key: 'secret', since: '1979-05-27' },
    });
  });

  test('CacheFolder and Plugins.Folder follow DataFolder unless set; relative paths use the working directory', () => {
    const derived = loadConfig({ env: { NDPHOST_DATAFOLDER: 'somewhere/data' } });
    expect(derived.dataFolder).toBe(resolve('somewhere/data'));
    expect(derived.cacheFolder).toBe(resolve('somewhere/data/cache'));
    expect(derived.plugins.folder).toBe(resolve('somewhere/data/plugins'));

    const configFile = tomlFile('DataFolder = "/d"\nCacheFolder = "c"\n[Plugins]\nFolder = "p"\n');
    const explicit = loadConfig({ configFile, env: noEnv });
    expect(explicit.cacheFolder).toBe(resolve('c'));
    expect(explicit.plugins.folder).toBe(resolve('p'));
  });

  test('AdminAddress: a relative socket is inside DataFolder, an absolute one stays, a loopback port is kept, "" and "off" turn it off', () => {
    const admin = (value: string) => loadConfig({ env: noEnv, args: ['--data-folder', '/srv/ndp', '--admin-address', value] }).admin;
    expect(admin('unix:admin.sock')).toEqual({ address: 'unix:/srv/ndp/admin.sock', socketPath: '/srv/ndp/admin.sock' });
    expect(admin('unix:/run/ndphost/admin.sock')).toEqual({ address: 'unix:/run/ndphost/admin.sock', socketPath: '/run/ndphost/admin.sock' });
    expect(admin('unix:///run/ndphost/admin.sock')).toEqual({ address: 'unix:/run/ndphost/admin.sock', socketPath: '/run/ndphost/admin.sock' });
    expect(admin('127.0.0.1:50052')).toEqual({ address: '127.0.0.1:50052' });
    expect(admin('[::1]:50052')).toEqual({ address: '[::1]:50052' });
    expect(admin('localhost:50052')).toEqual({ address: 'localhost:50052' });
    expect(admin('')).toBeUndefined();
    expect(admin('off')).toBeUndefined();
  });

  test('TLS: Cert and Key (and ClientCA) as absolute paths; ShutdownTimeout as a duration', () => {
    const config = loadConfig({ env: { NDPHOST_TLS_CLIENTCA: 'ca.pem' }, configFile: tomlFile('ShutdownTimeout = "1m30s"\n[TLS]\nCert = "/etc/ndp/server.pem"\nKey = "server.key"\n') });
    expect(config.tls).toEqual({ cert: '/etc/ndp/server.pem', key: resolve('server.key'), clientCa: resolve('ca.pem') });
    expect(config.shutdownTimeoutMs).toBe(90_000);
    expect(loadConfig({ env: noEnv }).tls).toBeUndefined();
  });

  test('MinWorkers 0 means one per CPU, capped at MaxWorkers', () => {
    const config = loadConfig({ env: { NDPHOST_PLUGINS_MAXWORKERS: '1' } });
    expect(config.plugins.minWorkers).toBe(1);
    expect(config.plugins.maxWorkers).toBe(1);
  });

  test('the result is deeply frozen', () => {
    const configFile = tomlFile('[Plugins]\nOrder = ["a"]\n[PluginConfig.a]\nk = "v"\n');
    const config = loadConfig({ configFile, env: noEnv });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.plugins)).toBe(true);
    expect(Object.isFrozen(config.plugins.order)).toBe(true);
    expect(Object.isFrozen(config.pluginConfig)).toBe(true);
    expect(Object.isFrozen(config.pluginConfig.a)).toBe(true);
    expect(() => {
      (config as { address: string }).address = 'changed:1';
    }).toThrow(TypeError);
    expect(() => (config.plugins.order as string[]).push('b')).toThrow(TypeError);
  });

  test('the example config file loads and points at the example plugins', () => {
    const config = loadConfig({ configFile: join(__dirname, '..', '..', '..', 'ndphost.example.toml'), env: noEnv });
    expect(config.plugins.folder).toBe(resolve('plugins-examples'));
    expect(config.dataFolder).toBe(resolve('data'));
    expect(config.pluginConfig.wikibio).toBeDefined();
  });

  describe('raises bad_config naming the key', () => {
    interface Row {
      name: string;
      toml?: string;
      env?: NodeJS.ProcessEnv;
      args?: string[];
      /** The key the error names; undefined where there is none (a syntax error). */
      key: string | undefined;
      /** Fragments the message must contain besides the key. */
      says: RegExp[];
      fromFile?: boolean;
    }

    const rows: Row[] = [
      { name: 'bad TOML syntax', toml: 'Address = "a:1"\nLogLevel = = "x"\n', key: undefined, says: [/:2:\d+: invalid TOML/], fromFile: true },
      { name: 'unknown top-level key', toml: 'Colour = "blue"\n', key: 'Colour', says: [/not a known setting/], fromFile: true },
      { name: 'unknown key, wrong case', toml: 'address = "a:1"\n', key: 'address', says: [/did you mean Address/], fromFile: true },
      { name: 'unknown key in a section', toml: '[Plugins]\nFolders = "x"\n', key: 'Plugins.Folders', says: [/not a known setting/], fromFile: true },
      { name: 'table where a value belongs', toml: '[Address]\nhost = "a"\n', key: 'Address', says: [/single value/], fromFile: true },
      { name: 'value where a section belongs', toml: 'Plugins = true\n', key: 'Plugins', says: [/section/], fromFile: true },
      { name: 'address without a port', toml: 'Address = "localhost"\n', key: 'Address', says: [/host:port/], fromFile: true },
      { name: 'address with port out of range', toml: 'Address = "127.0.0.1:70000"\n', key: 'Address', says: [/0 to 65535/], fromFile: true },
      { name: 'IPv6 address without brackets', toml: 'Address = "::1:50051"\n', key: 'Address', says: [/brackets/], fromFile: true },
      { name: 'address with an invalid host', toml: 'Address = "bad_host:1"\n', key: 'Address', says: [/invalid host/], fromFile: true },
      { name: 'address as a number', toml: 'Address = 50051\n', key: 'Address', says: [/host:port/], fromFile: true },
      { name: 'bad log level', toml: 'LogLevel = "loud"\n', key: 'LogLevel', says: [/one of/, /loud/], fromFile: true },
      { name: 'bad log format', toml: 'LogFormat = "color"\n', key: 'LogFormat', says: [/one of/, /color/], fromFile: true },
      { name: 'metrics address without a port', toml: 'MetricsAddress = "127.0.0.1"\n', key: 'MetricsAddress', says: [/host:port/, /empty to turn it off/], fromFile: true },
      { name: 'tracing endpoint that is not a URL', toml: '[Tracing]\nEndpoint = "collector:4318"\n', key: 'Tracing.Endpoint', says: [/http/], fromFile: true },
      { name: 'tracing enabled not a boolean', env: { NDPHOST_TRACING_ENABLED: 'maybe' }, key: 'Tracing.Enabled', says: [/true or false/] },
      { name: 'empty DataFolder', toml: 'DataFolder = ""\n', key: 'DataFolder', says: [/non-empty/], fromFile: true },
      { name: 'MaxWorkers below MinWorkers', toml: '[Plugins]\nMinWorkers = 8\nMaxWorkers = 4\n', key: 'Plugins.MaxWorkers', says: [/Plugins\.MinWorkers \(8/], fromFile: true },
      { name: 'MaxWorkers of 0', toml: '[Plugins]\nMaxWorkers = 0\n', key: 'Plugins.MaxWorkers', says: [/>= 1/], fromFile: true },
      { name: 'unknown instance policy', toml: '[Plugins]\nInstancePolicy = "shared"\n', key: 'Plugins.InstancePolicy', says: [/one of/, /shared/], fromFile: true },
      { name: 'unknown worker scheduling', toml: '[Plugins]\nWorkerScheduling = "fifo"\n', key: 'Plugins.WorkerScheduling', says: [/one of/, /fifo/], fromFile: true },
      { name: 'negative MinWorkers', toml: '[Plugins]\nMinWorkers = -1\n', key: 'Plugins.MinWorkers', says: [/whole number/], fromFile: true },
      { name: 'zero call timeout', toml: '[Plugins]\nCallTimeout = 0\n', key: 'Plugins.CallTimeout', says: [/greater than 0/], fromFile: true },
      { name: 'negative call timeout', toml: '[Plugins]\nCallTimeout = "-5s"\n', key: 'Plugins.CallTimeout', says: [/greater than 0/], fromFile: true },
      { name: 'unreadable call timeout', toml: '[Plugins]\nCallTimeout = "soon"\n', key: 'Plugins.CallTimeout', says: [/duration/], fromFile: true },
      { name: 'call timeout beyond Node timers', toml: '[Plugins]\nCallTimeout = 2147483648\n', key: 'Plugins.CallTimeout', says: [/at most/], fromFile: true },
      { name: 'Order holding numbers', toml: '[Plugins]\nOrder = [1, 2]\n', key: 'Plugins.Order', says: [/list of plugin ids/], fromFile: true },
      { name: 'Order with a repeated id', toml: '[Plugins]\nOrder = ["a", "a"]\n', key: 'Plugins.Order', says: [/"a" more than once/], fromFile: true },
      { name: 'nested table in PluginConfig', toml: '[PluginConfig.wikibio.deep]\nx = "y"\n', key: 'PluginConfig.wikibio.deep', says: [/nested table/], fromFile: true },
      { name: 'array in PluginConfig', toml: '[PluginConfig.wikibio]\nlangs = ["en", "fr"]\n', key: 'PluginConfig.wikibio.langs', says: [/an array/], fromFile: true },
      { name: 'PluginConfig entry that is not a section', toml: '[PluginConfig]\nwikibio = "on"\n', key: 'PluginConfig.wikibio', says: [/section/], fromFile: true },
      { name: 'a Navidrome URL that is not absolute', toml: '[Navidrome]\nBaseURL = "music.example.com"\n', key: 'Navidrome.BaseURL', says: [/absolute http:\/\/ or https:\/\/ URL/], fromFile: true },
      { name: 'a Subsonic URL of another scheme', toml: '[Navidrome]\nSubsonicURL = "ftp://127.0.0.1/rest"\n', key: 'Navidrome.SubsonicURL', says: [/absolute http/], fromFile: true },
      { name: 'a header name with a space', toml: '[Navidrome]\nReverseProxyUserHeader = "Remote User"\n', key: 'Navidrome.ReverseProxyUserHeader', says: [/HTTP header name/], fromFile: true },
      { name: 'bad env value for an integer', env: { NDPHOST_PLUGINS_MAXWORKERS: 'lots' }, key: 'Plugins.MaxWorkers', says: [/NDPHOST_PLUGINS_MAXWORKERS/, /lots/] },
      { name: 'bad env value for a boolean', env: { NDPHOST_PLUGINS_ENABLED: 'maybe' }, key: 'Plugins.Enabled', says: [/NDPHOST_PLUGINS_ENABLED/, /true or false/] },
      { name: 'bad env value for a duration', env: { NDPHOST_PLUGINS_CALLTIMEOUT: '10 sec' }, key: 'Plugins.CallTimeout', says: [/NDPHOST_PLUGINS_CALLTIMEOUT/] },
      { name: 'bad env address', env: { NDPHOST_ADDRESS: 'host:port' }, key: 'Address', says: [/NDPHOST_ADDRESS/] },
      { name: 'an admin address on every interface', toml: 'AdminAddress = "0.0.0.0:50052"\n', key: 'AdminAddress', says: [/loopback/, /no authentication/], fromFile: true },
      { name: 'an admin address on a LAN address', args: ['--admin-address', '192.168.1.2:50052'], key: 'AdminAddress', says: [/loopback/, /flag --admin-address/] },
      { name: 'an admin unix address without a path', toml: 'AdminAddress = "unix:"\n', key: 'AdminAddress', says: [/socket file/], fromFile: true },
      { name: 'an admin socket path too long for a unix socket', args: ['--data-folder', `/tmp/${'d'.repeat(120)}`], key: 'AdminAddress', says: [/at most 107/, /shorter DataFolder/] },
      { name: 'TLS.Cert without TLS.Key', toml: '[TLS]\nCert = "server.pem"\n', key: 'TLS.Key', says: [/must be set when TLS.Cert is/], fromFile: true },
      { name: 'TLS.Key without TLS.Cert', env: { NDPHOST_TLS_KEY: 'server.key' }, key: 'TLS.Cert', says: [/must be set when TLS.Key is/, /NDPHOST_TLS_KEY/] },
      { name: 'TLS.ClientCA without a certificate', args: ['--tls-client-ca', 'ca.pem'], key: 'TLS.ClientCA', says: [/needs TLS.Cert and TLS.Key/] },
      { name: 'an unreadable ShutdownTimeout', toml: 'ShutdownTimeout = "a while"\n', key: 'ShutdownTimeout', says: [/duration/], fromFile: true },
      { name: 'no calls at once', toml: 'MaxConcurrentCalls = 0\n', key: 'MaxConcurrentCalls', says: [/whole number >= 1/], fromFile: true },
      { name: 'bad flag value', args: ['--log-level', 'chatty'], key: 'LogLevel', says: [/flag --log-level/, /chatty/] },
      { name: 'flag integer with trailing junk', args: ['--plugins-max-workers=12abc'], key: 'Plugins.MaxWorkers', says: [/flag --plugins-max-workers/] },
    ];

    test.each(rows)('$name', (row) => {
      const configFile = row.toml === undefined ? undefined : tomlFile(row.toml);
      const error = loadError({ configFile, env: row.env ?? noEnv, args: row.args });
      expect(error.kind).toBe('bad_config');
      expect(error.key).toBe(row.key);
      if (row.key !== undefined) expect(error.message).toContain(row.key);
      for (const fragment of row.says) expect(error.message).toMatch(fragment);
      if (row.fromFile === true) {
        expect(error.path).toBe(configFile);
        expect(error.message).toContain(configFile);
      }
    });

    test('a missing config file names the path', () => {
      const configFile = join(dir, 'absent.toml');
      const error = loadError({ configFile, env: noEnv });
      expect(error.kind).toBe('bad_config');
      expect(error.path).toBe(configFile);
      expect(error.message).toContain(configFile);
    });

    test('every problem is listed, the first one in key', () => {
      const configFile = tomlFile('Address = "nope"\nLogLevel = "loud"\n');
      const error = loadError({ configFile, env: noEnv });
      expect(error.key).toBe('Address');
      expect(error.message).toContain('LogLevel');
    });
  });
});
