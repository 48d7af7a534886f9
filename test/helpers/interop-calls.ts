import { BIOGRAPHIES } from './interop-sidecar';

/** A gRPC status code by name, as Python's grpc.StatusCode and Go's codes.Code print it. */
export type CodeName = 'OK' | 'NOT_FOUND' | 'UNIMPLEMENTED' | 'INVALID_ARGUMENT' | 'UNKNOWN' | 'INTERNAL';

/** What a client in another language reports for one call. */
export interface CallResult {
  readonly code: CodeName;
  readonly details: string;
  readonly response?: Record<string, unknown>;
}

/** One call a client in another language makes, and what the README says it must get. */
export interface InteropCall {
  /** The README routing-table row (or behaviour) it checks. */
  readonly row: string;
  readonly service: string;
  readonly method: string;
  /** Proto JSON with the proto's field names. */
  readonly request: Record<string, unknown>;
  /** Sent as `x-plugin`. */
  readonly plugin?: string;
  readonly code: CodeName;
  /** The whole response in proto JSON (proto names, defaults omitted), for OK calls. */
  readonly response?: Record<string, unknown>;
  /** A fragment of the status details, for failed calls. */
  readonly details?: string;
}

const NIRVANA_MBID = '5b11f4ce-a62d-471e-81fc-a69a8278c7da';
const PORTISHEAD_MBID = '8f6bd1e4-fbe1-4f50-aa9b-94c450ec0f11';
const DUMMY = { name: 'Dummy', mbid: '76df3287-6cda-33eb-8e9a-044b5e15ffdd', description: "Portishead's debut album, released in 1994." };
const TRACK = { name: 'Joga', artists: [{ name: 'Björk' }], length: 305 };
const MA = 'api.MetadataAgent';
const SC = 'api.Scrobbler';
const TC = 'api.TimerCallback';
const SCH = 'api.SchedulerCallback';

/**
 * Every rpc of the plugin services, with `x-plugin` and without, against the interop sidecar
 * (wikibio then c-metadata for MetadataAgent, rust-scrobbler and scrobble-check, timer-report):
 * one row of the README's routing table each, with the status code it promises.
 */
export const ROUTING_CALLS: readonly InteropCall[] = [
  // x-plugin: that plugin only; its answer, or its error.
  { row: 'x-plugin: its answer (C plugin)', service: MA, method: 'GetArtistMBID', plugin: 'c-metadata', request: { name: 'Portishead' }, code: 'OK', response: { mbid: PORTISHEAD_MBID } },
  { row: 'x-plugin: its error (plugin:not_found)', service: MA, method: 'GetArtistMBID', plugin: 'c-metadata', request: { name: 'Nobody' }, code: 'NOT_FOUND', details: 'plugin c-metadata: not found' },
  { row: 'x-plugin: its answer (C plugin)', service: MA, method: 'GetArtistURL', plugin: 'c-metadata', request: { name: 'Nirvana' }, code: 'OK', response: { url: `https://musicbrainz.org/artist/${NIRVANA_MBID}` } },
  { row: 'x-plugin: its answer (C plugin, over HTTP)', service: MA, method: 'GetArtistBiography', plugin: 'c-metadata', request: { name: 'Björk' }, code: 'OK', response: { biography: BIOGRAPHIES['Björk'] } },
  {
    row: 'x-plugin: its answer (C plugin)',
    service: MA,
    method: 'GetSimilarArtists',
    plugin: 'c-metadata',
    request: { name: 'Nirvana', limit: 2 },
    code: 'OK',
    response: { artists: [{ name: 'Pearl Jam' }, { name: 'Soundgarden' }] },
  },
  { row: 'x-plugin: its error (plugin:not_implemented)', service: MA, method: 'GetArtistImages', plugin: 'c-metadata', request: { name: 'Nirvana' }, code: 'UNIMPLEMENTED' },
  { row: 'x-plugin: its error (plugin:not_implemented)', service: MA, method: 'GetArtistTopSongs', plugin: 'c-metadata', request: { artistName: 'Nirvana' }, code: 'UNIMPLEMENTED' },
  {
    row: 'x-plugin: its answer (C plugin)',
    service: MA,
    method: 'GetAlbumInfo',
    plugin: 'c-metadata',
    request: { name: 'Dummy', artist: 'Portishead' },
    code: 'OK',
    response: { info: DUMMY },
  },
  { row: 'x-plugin: its error (plugin:not_implemented)', service: MA, method: 'GetAlbumImages', plugin: 'c-metadata', request: { name: 'Dummy', artist: 'Portishead' }, code: 'UNIMPLEMENTED' },
  { row: 'x-plugin: unknown id', service: MA, method: 'GetArtistBiography', plugin: 'nope', request: { name: 'Nirvana' }, code: 'NOT_FOUND', details: 'no plugin with id "nope"' },
  { row: 'x-plugin: a plugin that does not serve the service', service: SC, method: 'Scrobble', plugin: 'wikibio', request: { user_id: '1', track: TRACK }, code: 'UNIMPLEMENTED' },
  { row: 'x-plugin: its answer', service: SC, method: 'IsAuthorized', plugin: 'scrobble-check', request: { user_id: '1', username: 'ann' }, code: 'OK', response: { authorized: true } },
  { row: 'x-plugin: its answer', service: SC, method: 'NowPlaying', plugin: 'scrobble-check', request: { user_id: '1', username: 'ann', track: TRACK }, code: 'OK', response: {} },
  { row: 'x-plugin: its answer', service: SC, method: 'Scrobble', plugin: 'scrobble-check', request: { user_id: '1', username: 'ann', track: TRACK, timestamp: '1700000000' }, code: 'OK', response: {} },
  { row: 'x-plugin: its answer (Rust plugin)', service: SC, method: 'IsAuthorized', plugin: 'rust-scrobbler', request: { user_id: '1', username: 'ann' }, code: 'OK', response: { authorized: true } },
  { row: 'x-plugin: its answer (Rust plugin)', service: SC, method: 'IsAuthorized', plugin: 'rust-scrobbler', request: { user_id: '3', username: 'eve' }, code: 'OK', response: { error: 'eve is not one of its users' } },
  { row: 'x-plugin: its answer (Rust plugin, over HTTP)', service: SC, method: 'NowPlaying', plugin: 'rust-scrobbler', request: { user_id: '1', username: 'bob', track: TRACK }, code: 'OK', response: {} },
  { row: 'x-plugin: its answer', service: TC, method: 'OnTimerCallback', plugin: 'timer-report', request: { timer_id: 'interop', payload: Buffer.from('{}').toString('base64') }, code: 'OK', response: {} },

  // MetadataAgent without x-plugin: the plugins in order, the first real answer; none: NOT_FOUND.
  { row: 'MetadataAgent: the first answer (wikibio)', service: MA, method: 'GetArtistMBID', request: { name: 'Nirvana' }, code: 'OK', response: { mbid: NIRVANA_MBID } },
  { row: 'MetadataAgent: past not_found to the next plugin (c-metadata)', service: MA, method: 'GetArtistURL', request: { name: 'Portishead' }, code: 'OK', response: { url: `https://musicbrainz.org/artist/${PORTISHEAD_MBID}` } },
  { row: 'MetadataAgent: past not_found to the next plugin (c-metadata, over HTTP)', service: MA, method: 'GetArtistBiography', request: { name: 'Portishead' }, code: 'OK', response: { biography: BIOGRAPHIES.Portishead } },
  { row: 'MetadataAgent: past not_found to the next plugin (c-metadata)', service: MA, method: 'GetSimilarArtists', request: { name: 'Portishead' }, code: 'OK', response: { artists: [{ name: 'Massive Attack' }, { name: 'Tricky' }, { name: 'Sneaker Pimps' }] } },
  { row: 'MetadataAgent: none answers', service: MA, method: 'GetArtistImages', request: { name: 'Portishead' }, code: 'NOT_FOUND', details: 'no MetadataAgent plugin answered GetArtistImages' },
  { row: 'MetadataAgent: the first answer (wikibio)', service: MA, method: 'GetArtistTopSongs', request: { artistName: 'Nirvana', count: 1 }, code: 'OK', response: { songs: [{ name: 'Smells Like Teen Spirit' }] } },
  { row: 'MetadataAgent: past not_found to the next plugin (c-metadata)', service: MA, method: 'GetAlbumInfo', request: { name: 'Dummy', artist: 'Portishead' }, code: 'OK', response: { info: DUMMY } },
  { row: 'MetadataAgent: none answers', service: MA, method: 'GetAlbumImages', request: { name: 'Dummy', artist: 'Portishead' }, code: 'NOT_FOUND' },

  // Scrobbler without x-plugin: every Scrobbler plugin at once.
  { row: 'Scrobbler/IsAuthorized: authorized only if every plugin says so', service: SC, method: 'IsAuthorized', request: { user_id: '1', username: 'ann' }, code: 'OK', response: { authorized: true } },
  {
    row: 'Scrobbler/IsAuthorized: error names the ones that did not',
    service: SC,
    method: 'IsAuthorized',
    request: { user_id: '2', username: 'anonymous' },
    code: 'OK',
    response: { error: 'plugin rust-scrobbler: anonymous is not one of its users; plugin scrobble-check: not authorized' },
  },
  { row: 'Scrobbler/NowPlaying: OK', service: SC, method: 'NowPlaying', request: { user_id: '1', username: 'ann', track: TRACK }, code: 'OK', response: {} },
  {
    row: 'Scrobbler/Scrobble: OK; error names each failing plugin',
    service: SC,
    method: 'Scrobble',
    request: { user_id: '1', username: 'ann', timestamp: '1700000000' },
    code: 'OK',
    response: { error: 'plugin rust-scrobbler: the track has no name; plugin scrobble-check: track name is required' },
  },

  // TimerCallback and SchedulerCallback need x-plugin.
  { row: 'TimerCallback without x-plugin', service: TC, method: 'OnTimerCallback', request: { timer_id: 'interop' }, code: 'INVALID_ARGUMENT' },
  { row: 'SchedulerCallback without x-plugin', service: SCH, method: 'OnSchedulerCallback', request: { schedule_id: 'interop' }, code: 'INVALID_ARGUMENT' },
  { row: 'x-plugin: a plugin that does not serve the service', service: SCH, method: 'OnSchedulerCallback', plugin: 'timer-report', request: { schedule_id: 'interop', is_recurring: true }, code: 'UNIMPLEMENTED' },
];

/** A request sent as the bytes given (base64), as a client built from another schema would send it. */
export interface RawCall {
  readonly path: string;
  readonly bytes: string;
}

/** Bytes that are no valid request, and the status every client must get for them. */
export const RAW_CALLS: readonly (RawCall & CallResult)[] = [
  // Field 1, length-delimited, with its length cut off.
  { path: '/api.MetadataAgent/GetArtistBiography', bytes: Buffer.from([0x0a, 0xff]).toString('base64'), code: 'INVALID_ARGUMENT', details: 'the request (2 bytes) is not a valid GetArtistBiography request: premature EOF' },
  // Field 2 (name) holding "B\xf6r": Latin-1, not UTF-8.
  {
    path: '/api.MetadataAgent/GetArtistBiography',
    bytes: Buffer.from([0x12, 0x03, 0x42, 0xf6, 0x72]).toString('base64'),
    code: 'INVALID_ARGUMENT',
    details: 'the request (5 bytes) is not a valid GetArtistBiography request: a string field holds 3 bytes that are not UTF-8',
  },
];

/** The plan's part for RAW_CALLS, and the test of what a client reported for them. */
export const RAW_PLAN = RAW_CALLS.map(({ path, bytes }) => ({ path, bytes }));
export function expectRawCalls(results: () => readonly CallResult[]): void {
  it('gets INVALID_ARGUMENT naming the rpc and the fault for bytes that are not a valid request, a string not in UTF-8 among them', () => {
    expect(results()).toEqual(RAW_CALLS.map(({ code, details }) => ({ code, details })));
  });
}

/** One test per routing call, each checking what the client reported for it in `results()`. */
export function describeRoutingCalls(results: () => readonly CallResult[]): void {
  const rows = ROUTING_CALLS.map((call, index) => [`${call.row}: ${call.method}${call.plugin ? ` x-plugin ${call.plugin}` : ''}`, index] as const);
  describe.each(rows)('%s', (_name, index) => {
    it(`answers ${ROUTING_CALLS[index].code}`, () => {
      const call = ROUTING_CALLS[index];
      const got = results()[index];
      expect(got.code).toBe(call.code);
      if (call.response) expect(got.response).toEqual(call.response);
      if (call.details) expect(got.details).toContain(call.details);
    });
  });
}
