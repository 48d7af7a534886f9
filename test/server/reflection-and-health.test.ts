import { readFileSync } from 'node:fs';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { protoPath as healthProto } from 'grpc-health-check';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ServerReflectionClient as V1Client, type ServerReflectionRequest, type ServerReflectionResponse } from '../../generated/ts/grpc/reflection/v1/reflection';
import { ServerReflectionClient as V1AlphaClient } from '../../generated/ts/grpc/reflection/v1alpha/reflection';
import { DESCRIPTOR_SET_FILE } from '../../src/contract';
import { HealthClient } from '../helpers/health-client';
import { SERVED_SERVICES } from '../helpers/interop-sidecar';
import { PluginsFolder } from '../helpers/plugins-folder';
import { REPO_ROOT } from '../helpers/paths';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar';

type ReflectionClient = InstanceType<typeof V1Client>;

/** Asks the reflection service questions in order on one stream, as grpcurl does. */
function reflect(client: ReflectionClient, ...requests: Partial<ServerReflectionRequest>[]): Promise<ServerReflectionResponse[]> {
  const stream = client.serverReflectionInfo();
  const responses: ServerReflectionResponse[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (response: ServerReflectionResponse) => {
      responses.push(response);
      if (responses.length === requests.length) stream.end();
    });
    stream.on('end', () => resolve(responses));
    stream.on('error', reject);
    for (const request of requests) stream.write({ host: '', ...request });
  });
}

const fileNames = (response: ServerReflectionResponse): string[] =>
  (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);

describe.each([
  ['v1', V1Client],
  ['v1alpha', V1AlphaClient as unknown as typeof V1Client],
])('reflection %s, as grpcurl and buf curl ask it', (_version, Reflection) => {
  const plugins = new PluginsFolder().copy('fixture');
  let s: TestSidecar;
  let reflection: ReflectionClient;

  beforeAll(async () => {
    s = await startTestSidecar(plugins.folder);
    reflection = new Reflection(s.address, credentials.createInsecure());
  });
  afterAll(async () => {
    reflection.close();
    await s.close();
    plugins.cleanup();
  });

  it('lists every service the server serves, and only those', async () => {
    const [{ listServicesResponse }] = await reflect(reflection, { listServices: '*' });
    expect(listServicesResponse?.service.map((service) => service.name).sort()).toEqual(SERVED_SERVICES);
  });

  it('serves the bytes buf compiled, so map entries and field names are the compiler\'s', async () => {
    const [response] = await reflect(reflection, { fileContainingSymbol: 'api.Scrobbler' });
    const [bytes] = response.fileDescriptorResponse?.fileDescriptorProto ?? [];
    expect(readFileSync(DESCRIPTOR_SET_FILE).includes(bytes)).toBe(true);
    const api = fromBinary(FileDescriptorProtoSchema, bytes);
    const fields = (message: string) => api.messageType.find((type) => type.name === message)?.field.map((field) => field.name);
    expect(api.name).toBe('api.proto');
    expect(fields('ScrobblerIsAuthorizedRequest')).toEqual(['user_id', 'username']);
    expect(fields('TrackInfo')).toEqual(['id', 'mbid', 'name', 'album', 'album_mbid', 'artists', 'album_artists', 'length', 'position']);
    expect(fields('ArtistTopSongsRequest')).toEqual(['id', 'artistName', 'mbid', 'count']);
    // protobufjs re-derivation named this nested type `Config`, which strict clients reject.
    expect(api.messageType.find((type) => type.name === 'InitRequest')?.nestedType.map((type) => [type.name, type.options?.mapEntry])).toEqual([['ConfigEntry', true]]);
  });

  it.each([
    ['a service', { fileContainingSymbol: 'grpc.health.v1.Health' }, 'grpc/health/v1/health.proto'],
    ['a method', { fileContainingSymbol: 'ndphost.admin.v1.PluginAdmin.RefreshPlugin' }, 'ndphost/admin/v1/admin.proto'],
    ['a nested message', { fileContainingSymbol: 'api.InitRequest.ConfigEntry' }, 'api.proto'],
    ['a file name', { fileByFilename: 'grpc/reflection/v1alpha/reflection.proto' }, 'grpc/reflection/v1alpha/reflection.proto'],
  ])('finds the file of %s', async (_what, request, file) => {
    const [response] = await reflect(reflection, request);
    expect(fileNames(response)).toEqual([file]);
    expect(response.originalRequest).toMatchObject(request);
  });

  it.each([
    ['an unknown symbol', { fileContainingSymbol: 'api.NoSuchThing' }, 'symbol api.NoSuchThing not found'],
    ['an unknown file', { fileByFilename: 'nope.proto' }, 'file nope.proto not found'],
    ['an unknown extension', { fileContainingExtension: { containingType: 'api.InitRequest', extensionNumber: 100 } }, 'extension 100 of api.InitRequest not found'],
    ['extensions of an unknown type', { allExtensionNumbersOfType: 'api.Nope' }, 'type api.Nope not found'],
  ])('answers NOT_FOUND for %s, and the stream goes on', async (_what, request, message) => {
    const [failed, next] = await reflect(reflection, request, { listServices: '' });
    expect(failed.errorResponse).toEqual({ errorCode: 5, errorMessage: message });
    expect(next.listServicesResponse?.service.length).toBeGreaterThan(0);
  });

  it('answers an empty list of extension numbers for a message without extensions', async () => {
    const [response] = await reflect(reflection, { allExtensionNumbersOfType: 'api.InitRequest' });
    expect(response.allExtensionNumbersResponse).toEqual({ baseTypeName: 'api.InitRequest', extensionNumber: [] });
  });
});

describe('health, as probes see it', () => {
  const plugins = new PluginsFolder().copy('fixture');
  let s: TestSidecar;

  beforeAll(async () => {
    s = await startTestSidecar(plugins.folder);
  });
  afterAll(async () => {
    await s.close();
    plugins.cleanup();
  });

  it('reports SERVING for the sidecar and each service once plugins have loaded', async () => {
    const health = new HealthClient(s.address);
    try {
      await expect(health.check('')).resolves.toBe('SERVING');
      await expect(health.check('api.MetadataAgent')).resolves.toBe('SERVING');
      await expect(health.check('no.such.Service')).rejects.toMatchObject({ code: 5 });
    } finally {
      health.close();
    }
  });

  it('is described from the same health.proto that grpc-health-check serves', () => {
    const vendored = readFileSync(path.join(REPO_ROOT, 'third_party', 'proto', 'grpc', 'health', 'v1', 'health.proto'), 'utf8');
    expect(vendored).toBe(readFileSync(healthProto, 'utf8'));
  });
});
