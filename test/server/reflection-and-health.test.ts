import path from 'node:path';
import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { PluginsFolder } from '../helpers/plugins-folder';
import { REPO_ROOT } from '../helpers/paths';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar';

const REFLECTION_PROTO = path.join(REPO_ROOT, 'node_modules', '@grpc', 'reflection', 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');

type ReflectionResponse = {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_message: string };
};

function serviceClient(protoFile: string, servicePath: string[], address: string): Client {
  const definition = loadSync(protoFile, { keepCase: true, defaults: true, enums: String });
  const service = servicePath.reduce<unknown>((object, name) => (object as GrpcObject)[name], loadPackageDefinition(definition)) as ServiceClientConstructor;
  return new service(address, credentials.createInsecure());
}

/** Asks the reflection service one question on a fresh stream, as grpcurl does. */
function reflect(client: Client, request: object): Promise<ReflectionResponse> {
  const stream = (client as unknown as { ServerReflectionInfo(): ClientDuplexStream<object, ReflectionResponse> }).ServerReflectionInfo();
  return new Promise((resolve, reject) => {
    stream.once('data', (response: ReflectionResponse) => {
      resolve(response);
      stream.end();
    });
    stream.once('error', reject);
    stream.write(request);
  });
}

describe('reflection and health, as grpcurl and probes see them', () => {
  const plugins = new PluginsFolder().copy('fixture');
  let s: TestSidecar;
  let reflection: Client;

  beforeAll(async () => {
    s = await startTestSidecar(plugins.folder);
    reflection = serviceClient(REFLECTION_PROTO, ['grpc', 'reflection', 'v1', 'ServerReflection'], s.address);
  });
  afterAll(async () => {
    reflection.close();
    await s.close();
    plugins.cleanup();
  });

  it('lists the served services', async () => {
    const { list_services_response } = await reflect(reflection, { list_services: '' });
    const names = list_services_response?.service.map((service) => service.name);
    expect(names).toEqual(expect.arrayContaining(['api.MetadataAgent', 'api.Scrobbler', 'api.TimerCallback', 'grpc.health.v1.Health']));
    expect(names).not.toContain('api.LifecycleManagement');
  });

  it("describes messages with the contract's exact field names", async () => {
    const { file_descriptor_response } = await reflect(reflection, { file_containing_symbol: 'api.Scrobbler' });
    type Descriptor = { name: string; package: string; messageType: { name: string; field: { name: string }[] }[] };
    const files = (file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) => FileDescriptorProto.decode(bytes) as unknown as Descriptor);
    const api = files.find((file) => file.name === 'api.proto');
    const fields = (message: string) => api?.messageType.find((type) => type.name === message)?.field.map((field) => field.name);
    expect(api?.package).toBe('api');
    expect(fields('ScrobblerIsAuthorizedRequest')).toEqual(['user_id', 'username']);
    expect(fields('TrackInfo')).toEqual(['id', 'mbid', 'name', 'album', 'album_mbid', 'artists', 'album_artists', 'length', 'position']);
    expect(fields('ArtistTopSongsRequest')).toEqual(['id', 'artistName', 'mbid', 'count']);
  });

  it('reports SERVING for the sidecar and each service once plugins have loaded', async () => {
    const health = serviceClient(healthProto, ['grpc', 'health', 'v1', 'Health'], s.address);
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) => {
        (health as unknown as { Check(request: object, callback: (error: ServiceError | null, response: { status: string }) => void): void }).Check(
          { service },
          (error, response) => (error ? reject(error) : resolve(response)),
        );
      });
    try {
      await expect(check('')).resolves.toEqual({ status: 'SERVING' });
      await expect(check('api.MetadataAgent')).resolves.toEqual({ status: 'SERVING' });
      await expect(check('no.such.Service')).rejects.toMatchObject({ code: 5 });
    } finally {
      health.close();
    }
  });
});
