import { ArtistBiographyResponse, ArtistImageResponse, ArtistMBIDRequest, MetadataAgentDefinition, MetadataAgentService, ScrobblerNowPlayingRequest } from '../../generated/ts/api';
import * as api from '../../generated/ts/api';
import { PluginAdminDefinition } from '../../generated/ts/ndphost/admin/v1/admin';
import { decodeStrictly, emptyTest, encodeMessage, messageTypesOf, RPCS, type MessageType } from '../../src/contract';
import { JobTargets } from '../../src/runtime/job-targets';
import { pickWith, seededRandom } from '../helpers/seeded-random';

// ts-proto's own serializer, a writer per message: what the reused writer must match byte for byte.
const reference = MetadataAgentService.getArtistImages.responseSerialize;

describe('encodeMessage, one reused writer', () => {
  const images = { images: [{ url: 'https://127.0.0.1/a.jpg', size: 300 }, { url: 'https://127.0.0.1/b.jpg', size: 64 }] };

  it('writes the bytes ts-proto writes, message after message, each in a buffer of its own', () => {
    const first = encodeMessage(ArtistImageResponse, images);
    const second = encodeMessage(ArtistImageResponse, { images: [{ url: 'x', size: 1 }] });
    expect(first).toEqual(reference(images));
    expect(second).toEqual(reference({ images: [{ url: 'x', size: 1 }] }));
    expect(ArtistImageResponse.decode(first)).toEqual(images);
  });

  it('starts clean after a message encode rejected halfway through a nested message', () => {
    expect(() => encodeMessage(ArtistImageResponse, { images: [{ url: 'u', size: 2 ** 40 }] })).toThrow(/int32/);
    expect(encodeMessage(ArtistImageResponse, images)).toEqual(reference(images));
  });

  it('encodes messages larger than the buffer it keeps, and small ones after', () => {
    const large = { biography: 'b'.repeat(200 * 1024) };
    expect(ArtistBiographyResponse.decode(encodeMessage(ArtistBiographyResponse, large))).toEqual(large);
    expect(encodeMessage(ArtistImageResponse, images)).toEqual(reference(images));
  });

  it('serves the contract: requests encoded for plugins and empty answers told apart', () => {
    const rpc = RPCS.MetadataAgent.getArtistImages;
    expect(rpc.method).toBe('GetArtistImages');
    expect(rpc.exportName).toBe('metadata_agent_get_artist_images');
    const request = { id: '1', name: 'n', mbid: '' };
    expect(rpc.request(request)).toEqual({ message: request, bytes: MetadataAgentService.getArtistImages.requestSerialize(request) });
    expect(rpc.response(images)).toEqual({ message: images, bytes: reference(images) });
    expect(rpc.isEmptyResponse({ images: [] })).toBe(true);
    expect(rpc.isEmptyResponse({ images: [{ url: '', size: 0 }] })).toBe(false);
    expect(rpc.decodeResponse(encodeMessage(ArtistImageResponse, images))).toEqual(images);
  });

  it("passes a plugin's response on as its own bytes, fields it does not know included", () => {
    // biography "Bj\u00f6rk", then field 16 (unknown here) holding "x".
    const bytes = Buffer.from([0x0a, 0x06, 0x42, 0x6a, 0xc3, 0xb6, 0x72, 0x6b, 0x82, 0x01, 0x01, 0x78]);
    const read = RPCS.MetadataAgent.getArtistBiography.readResponse(bytes);
    expect(read.bytes).toBe(bytes);
    expect(read.message).toEqual({ biography: 'Bj\u00f6rk' });
  });

  it('passes a request on as its bytes, unless a field it declares is in another wire type: then as the decoder read it', () => {
    const rpc = RPCS.Scrobbler.nowPlaying;
    const request = { userId: '1', username: 'ann', track: { id: '', mbid: '', name: 'Joga', album: '', albumMbid: '', artists: [{ name: 'Björk', mbid: '' }], albumArtists: [], length: 305, position: 0 }, timestamp: 7 };
    const clean = Buffer.from(ScrobblerNowPlayingRequest.encode(request).finish());
    // Fields it does not declare, in any wire type, at the top and nested (track.artists[0]): kept as they are.
    const unknown = Buffer.concat([clean, Buffer.from([0x78, 0x01, 0x7d, 1, 2, 3, 4])]);
    expect(rpc.readRequest(unknown).bytes).toBe(unknown);
    // username (field 2, a string) as a number; timestamp (field 4, a varint) as 8 bytes; and,
    // three messages deep, an artist's name (field 1) as a number.
    const artist = Buffer.from([0x08, 0x01, 0x12, 0x03, ...Buffer.from('Ann')]);
    const track = Buffer.concat([Buffer.from([0x32, artist.length]), artist]);
    const misplaced = [
      Buffer.concat([clean, Buffer.from([0x10, 0x05])]),
      Buffer.concat([clean, Buffer.from([0x21, 1, 2, 3, 4, 5, 6, 7, 8])]),
      Buffer.concat([Buffer.from(ScrobblerNowPlayingRequest.encode({ ...request, track: undefined }).finish()), Buffer.from([0x1a, track.length]), track]),
      // A 0 tag, and a stray end-group: the generated decoder stops there, other decoders do not.
      Buffer.concat([clean, Buffer.from([0x00, 0xff, 0xff])]),
      Buffer.concat([clean, Buffer.from([0x0c, 0x10, 0x05])]),
    ];
    for (const bytes of misplaced) {
      const read = rpc.readRequest(bytes);
      expect(read.bytes).not.toBe(bytes);
      expect(read.bytes).toEqual(rpc.request(read.message).bytes);
    }
  });

  it('re-encodes a response holding a string that is not UTF-8 (U+FFFD in place of the bytes) or a field in another wire type, for strict callers', () => {
    const latin1 = Buffer.from([0x0a, 0x03, 0x42, 0x6a, 0xf6]); // biography "Bj\xf6"
    const read = RPCS.MetadataAgent.getArtistBiography.readResponse(latin1);
    expect(read.message).toEqual({ biography: 'Bj\ufffd' });
    expect(Buffer.from(read.bytes)).toEqual(Buffer.from(ArtistBiographyResponse.encode({ biography: 'Bj\ufffd' }).finish()));
    expect(() => RPCS.MetadataAgent.getArtistBiography.readResponse(Buffer.from([0xff, 0xff]))).toThrow();
    // biography "Bj" then biography (field 1, a string) again as a number: re-encoded without it.
    const misplaced = Buffer.from([0x0a, 0x02, 0x42, 0x6a, 0x08, 0x07]);
    expect(RPCS.MetadataAgent.getArtistBiography.readResponse(misplaced)).toEqual({ message: { biography: 'Bj' }, bytes: Buffer.from([0x0a, 0x02, 0x42, 0x6a]) });
  });
});

describe('emptyTest', () => {
  // Every message type of the contract's services and the admin service, requests and responses.
  const generic = [api.MetadataAgentDefinition, api.ScrobblerDefinition, api.TimerCallbackDefinition, api.LifecycleManagementDefinition, api.SchedulerCallbackDefinition, api.WebSocketCallbackDefinition, PluginAdminDefinition];
  const types = new Set<MessageType<object> & { fromPartial(partial: object): object }>(generic.flatMap((service) => Object.values(service.methods).flatMap((method) => [method.requestType, method.responseType])) as never[]);
  const random = seededRandom(7);
  const pick = pickWith(random);
  /** A field left at its default half the time, otherwise set to a value of its kind (a default one among them). */
  function partial(defaults: object): object {
    return Object.fromEntries(
      Object.entries(defaults).map(([field, zero]: [string, unknown]) => {
        if (random() < 0.5) return [field, zero];
        if (typeof zero === 'string') return [field, zero === '0' ? pick(['0', '12']) : pick(['', 'a', 'ü'])];
        if (typeof zero === 'number') return [field, pick([0, -0, 1, 300])];
        if (typeof zero === 'boolean') return [field, pick([false, true])];
        if (zero instanceof Uint8Array) return [field, pick([new Uint8Array(0), new Uint8Array([0])])];
        if (Array.isArray(zero)) return [field, pick([[], [{}]])];
        if (zero === undefined) return [field, pick([undefined, {}])];
        return [field, pick([{}, { key: 'value' }])];
      }),
    );
  }

  it('says empty exactly when the message encodes to no bytes, for every message type of the served services', () => {
    expect(types.size).toBeGreaterThan(30);
    let empty = 0;
    for (const type of types) {
      const test = emptyTest(type);
      for (let sample = 0; sample < 200; sample++) {
        const message = type.fromPartial(partial(type.create()));
        const encodesEmpty = encodeMessage(type, message).length === 0;
        expect([type, test(message)]).toEqual([type, encodesEmpty]);
        if (encodesEmpty) empty++;
      }
    }
    expect(empty).toBeGreaterThan(100);
  });
});

describe('decodeStrictly', () => {
  it('decodes what ts-proto decodes when every string is UTF-8: multi-byte text, a leading U+FEFF kept', () => {
    for (const name of ['Björk', '坂本龍一', '\ufeffBOM first', '🎸', '']) {
      const bytes = encodeMessage(ArtistMBIDRequest, { id: '1', name });
      expect(decodeStrictly(ArtistMBIDRequest, bytes)).toEqual({ id: '1', name });
      expect(decodeStrictly(ArtistMBIDRequest, bytes)).toEqual(ArtistMBIDRequest.decode(bytes));
    }
  });

  it('refuses a string that is not UTF-8, where the default decoder puts U+FFFD in its place', () => {
    // Field 2 (name) holding "Bj\xf6rk": Latin-1. Then a lone continuation byte, a cut sequence, an encoded surrogate.
    for (const text of [[0x42, 0x6a, 0xf6, 0x72, 0x6b], [0x80], [0xe6, 0x97], [0xed, 0xa0, 0x80]]) {
      const bytes = Buffer.from([0x12, text.length, ...text]);
      expect(ArtistMBIDRequest.decode(bytes).name).toContain('\ufffd');
      expect(() => decodeStrictly(ArtistMBIDRequest, bytes)).toThrow(`a string field holds ${text.length} bytes that are not UTF-8`);
    }
  });
});

describe('messageTypesOf', () => {
  it("finds a grpc-js method's messages in the generic definition by path, whatever the key's spelling", () => {
    expect(messageTypesOf(MetadataAgentDefinition, MetadataAgentService.getArtistMbid.path).requestType).toBe(ArtistMBIDRequest);
    expect(Object.keys(RPCS.MetadataAgent)).toEqual(Object.keys(MetadataAgentService));
    expect(() => messageTypesOf(MetadataAgentDefinition, '/api.MetadataAgent/GetNothing')).toThrow('/api.MetadataAgent/GetNothing is not a method of api.MetadataAgent');
  });
});

describe('JobTargets', () => {
  it('numbers each (module, plugin, export) once, in order, told apart by every part', () => {
    const targets = new JobTargets();
    expect(targets.index('h1', 'p', 'e')).toBe(0);
    expect(targets.index('h1', 'p', 'f')).toBe(1);
    expect(targets.index('h1', 'q', 'e')).toBe(2);
    expect(targets.index('h2', 'p', 'e')).toBe(3);
    expect(targets.index('h1', 'p', 'e')).toBe(0);
    expect(targets.index('h2', 'p', 'e')).toBe(3);
  });
});
