import { pluginConfigSection, startConfiguredSidecar } from './configured-sidecar';
import { requireBuiltExample } from './native-examples';
import { localHttp, PluginsFolder } from './plugins-folder';
import { RecordingHttpServer } from './recording-http-server';
import type { TestSidecar } from './test-sidecar';

/** Where a client reaches a service: a host:port, or a unix socket (the admin listener may be one). */
export interface Endpoint {
  readonly address: string;
  readonly unixSocket?: string;
}

/** The sidecar every interop suite talks to, with the local servers its plugins reach. */
export interface InteropSidecar {
  readonly s: TestSidecar;
  /** The contract's services, health and reflection. */
  readonly api: Endpoint;
  /** ndphost.admin.v1.PluginAdmin. */
  readonly admin: Endpoint;
  /** The biography service c-metadata calls (GET /biography?artist=...). */
  readonly bio: RecordingHttpServer;
  /** Where timer-report POSTs its report (/report) and rust-scrobbler its events (/scrobbles). */
  readonly reports: RecordingHttpServer;
  close(): Promise<void>;
}

/** Artists the biography server knows; any other is a 404. */
export const BIOGRAPHIES: Readonly<Record<string, string>> = {
  Nirvana: 'Nirvana was an American rock band formed in Aberdeen, Washington, in 1987.',
  Björk: 'Björk is an Icelandic singer, songwriter and composer.',
  // wikibio does not know Portishead, so without x-plugin this one comes from c-metadata.
  Portishead: 'Portishead are an English band formed in 1991 in Bristol.',
};

/** Every service the sidecar serves at Address, sorted: what reflection must list, in every version. */
export const SERVED_SERVICES = [
  'api.MetadataAgent',
  'api.SchedulerCallback',
  'api.Scrobbler',
  'api.TimerCallback',
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
];

/** Every service the admin listener (AdminAddress) serves, sorted. */
export const ADMIN_SERVICES = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'ndphost.admin.v1.PluginAdmin'];

/** Every method of the services at Address, as `buf curl --list-methods` prints them (sorted). */
export const SERVED_METHODS = [
  'api.MetadataAgent/GetAlbumImages',
  'api.MetadataAgent/GetAlbumInfo',
  'api.MetadataAgent/GetArtistBiography',
  'api.MetadataAgent/GetArtistImages',
  'api.MetadataAgent/GetArtistMBID',
  'api.MetadataAgent/GetArtistTopSongs',
  'api.MetadataAgent/GetArtistURL',
  'api.MetadataAgent/GetSimilarArtists',
  'api.SchedulerCallback/OnSchedulerCallback',
  'api.Scrobbler/IsAuthorized',
  'api.Scrobbler/NowPlaying',
  'api.Scrobbler/Scrobble',
  'api.TimerCallback/OnTimerCallback',
  'grpc.health.v1.Health/Check',
  'grpc.health.v1.Health/List',
  'grpc.health.v1.Health/Watch',
  'grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
];

/**
 * The example plugins as a user would run them, one per toolchain and service:
 * - wikibio (AssemblyScript, MetadataAgent, a built-in table), asked first;
 * - c-metadata (C: clang, wasi-libc, nanopb; MetadataAgent), asked second: its biographies come
 *   over HTTP from `bio`, through the sidecar's HttpService;
 * - rust-scrobbler (Rust: rustc, prost; Scrobbler), with `ann` and `bob` as its users, POSTing
 *   its events to `reports`, and scrobble-check (AssemblyScript, Scrobbler), asked together;
 * - timer-report (AssemblyScript, LifecycleManagement + TimerCallback), reporting to `reports`.
 * Fails, naming the Debian packages, when the C or the Rust example could not be built.
 */
export async function startInteropSidecar(extraArgs: readonly string[] = []): Promise<InteropSidecar> {
  requireBuiltExample('c-metadata');
  requireBuiltExample('rust-scrobbler');
  const bio = await RecordingHttpServer.start(({ path: at, query }) => {
    const biography = BIOGRAPHIES[query.get('artist') ?? ''];
    return at === '/biography' && biography ? { body: biography, headers: { 'content-type': 'text/plain; charset=utf-8' } } : { status: 404 };
  });
  const reports = await RecordingHttpServer.start();
  const plugins = new PluginsFolder().copy('wikibio').copy('scrobble-check');
  plugins.copyWithHttp('c-metadata', 'c-metadata', localHttp(bio.url('/*'), ['GET']));
  plugins.copyWithHttp('timer-report', 'timer-report', localHttp(reports.url('/*'), ['POST']));
  plugins.copyWithHttp('rust-scrobbler', 'rust-scrobbler', localHttp(reports.url('/*'), ['POST']));
  try {
    const s = await startConfiguredSidecar(plugins.folder, {
      toml: [
        pluginConfigSection('c-metadata', { base_url: bio.url('/') }),
        pluginConfigSection('timer-report', { report_url: reports.url('/report'), delay_seconds: '3600' }),
        pluginConfigSection('rust-scrobbler', { users: 'ann, bob', endpoint: reports.url('/scrobbles') }),
      ].join('\n'),
      args: ['--plugins-order', 'wikibio,c-metadata', '--plugins-min-workers', '1', ...extraArgs],
    });
    const failed = s.sidecar.plugins.list().filter((status) => status.state !== 'ready');
    if (failed.length > 0) throw new Error(`plugins failed to load: ${failed.map((status) => `${status.id}: ${status.error?.message}`).join("; ")}`);
    const api = { address: s.address };
    const socket = s.sidecar.adminAddress?.replace(/^unix:/, '');
    if (socket === undefined) throw new Error('the interop sidecar has no admin listener');
    return {
      s,
      api,
      admin: { address: 'localhost', unixSocket: socket },
      bio,
      reports,
      async close() {
        await s.close();
        await Promise.all([bio.close(), reports.close()]);
        plugins.cleanup();
      },
    };
  } catch (error) {
    await Promise.all([bio.close(), reports.close()]);
    plugins.cleanup();
    throw error;
  }
}
