import { MetadataAgentDefinition, MetadataAgentService } from '../../generated/ts/api';
import { CacheServiceDefinition, CacheServiceService } from '../../generated/ts/host/cache/cache';
import { HttpServiceDefinition, HttpServiceService } from '../../generated/ts/host/http/http';
import { withReusedWriter } from '../../src/contract';

describe('withReusedWriter', () => {
  it("keeps ts-proto's keys, paths and decoders, and encodes the same bytes", () => {
    const served = withReusedWriter({ grpc: MetadataAgentService, generic: MetadataAgentDefinition });
    expect(Object.keys(served)).toEqual(Object.keys(MetadataAgentService));
    for (const [key, method] of Object.entries(MetadataAgentService)) {
      expect(served[key as keyof typeof served].path).toBe(method.path);
      expect(served[key as keyof typeof served].requestDeserialize).toBe(method.requestDeserialize);
    }
    const response = { artists: [{ name: 'Ünïcødé', mbid: 'm' }, { name: 'b', mbid: '' }] };
    expect(served.getSimilarArtists.responseSerialize(response)).toEqual(MetadataAgentService.getSimilarArtists.responseSerialize(response));
    const request = { id: 'i', name: 'n', mbid: '', limit: 5 };
    expect(served.getSimilarArtists.requestSerialize(request)).toEqual(MetadataAgentService.getSimilarArtists.requestSerialize(request));
  });

  it('does the same for host services, whose responses the host writes back to plugins', () => {
    const http = withReusedWriter({ grpc: HttpServiceService, generic: HttpServiceDefinition });
    expect(Object.keys(http)).toEqual(Object.keys(HttpServiceService));
    const answer = { status: 200, headers: { 'content-type': 'text/plain', date: 'Fri, 27 Nov 2026 10:00:00 GMT' }, body: Buffer.alloc(70_000, 7), error: '' };
    // Over the writer's kept size and back under it: each response is its own bytes.
    const large = http.get.responseSerialize(answer);
    const small = http.get.responseSerialize({ ...answer, body: Buffer.from('ok') });
    expect(large).toEqual(HttpServiceService.get.responseSerialize(answer));
    expect(small).toEqual(HttpServiceService.get.responseSerialize({ ...answer, body: Buffer.from('ok') }));
    const cache = withReusedWriter({ grpc: CacheServiceService, generic: CacheServiceDefinition });
    for (const [key, method] of Object.entries(CacheServiceService)) expect(cache[key as keyof typeof cache].path).toBe(method.path);
    const found = { exists: true, value: 'v' };
    expect(cache.getString.responseSerialize(found)).toEqual(CacheServiceService.getString.responseSerialize(found));
  });
});
