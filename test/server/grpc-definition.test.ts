import { MetadataAgentDefinition, MetadataAgentService } from '../../generated/ts/api';
import { withReusedWriter } from '../../src/server/grpc-definition';

describe('withReusedWriter', () => {
  const served = withReusedWriter({ grpc: MetadataAgentService, generic: MetadataAgentDefinition });

  it("keeps ts-proto's keys, paths and decoders, and encodes the same bytes", () => {
    expect(Object.keys(served)).toEqual(Object.keys(MetadataAgentService));
    for (const [key, method] of Object.entries(MetadataAgentService)) {
      expect(served[key].path).toBe(method.path);
      expect(served[key].requestDeserialize).toBe(method.requestDeserialize);
    }
    const response = { artists: [{ name: 'Ünïcødé', mbid: 'm' }, { name: 'b', mbid: '' }] };
    expect(served.getSimilarArtists.responseSerialize(response)).toEqual(MetadataAgentService.getSimilarArtists.responseSerialize(response));
    const request = { id: 'i', name: 'n', mbid: '', limit: 5 };
    expect(served.getSimilarArtists.requestSerialize(request)).toEqual(MetadataAgentService.getSimilarArtists.requestSerialize(request));
  });
});
