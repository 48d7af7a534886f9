import pino from 'pino';
import { RecordingHttpServer } from '../../helpers/recording-http-server';
import { SubsonicApiService } from '../../../src/host/subsonicapi/subsonicapi-service';

/** A service in front of the Subsonic API at `port` on loopback. */
function serviceAt(port: number): SubsonicApiService {
  return new SubsonicApiService({ subsonicUrl: `http://127.0.0.1:${port}/rest`, userHeader: 'Remote-User', maxBodyBytes: 1024, log: pino({ level: 'silent' }) });
}

/** A plugin's `ping` as user alice. */
function ping(service: SubsonicApiService) {
  return service.call({ pluginId: 'p', deadline: Date.now() + 5_000, permission: { reason: 'test', allowAdmins: true } }, { url: '/rest/ping?u=alice' });
}

describe('SubsonicApiService', () => {
  it('refuses calls once closed, opening no connection', async () => {
    // Port 1 on loopback: were a request made, it would fail as refused, not as shut down.
    const service = serviceAt(1);
    await service.close();

    const response = await ping(service);

    expect(response).toEqual({ json: '', error: 'the host is shutting down' });
  });

  it('calls made at once on a new service share the agent it makes for them: close() leaves none of their connections open', async () => {
    const server = await RecordingHttpServer.start(() => ({ body: JSON.stringify({ 'subsonic-response': { status: 'ok' } }) }));
    try {
      const service = serviceAt(server.port);
      const responses = await Promise.all(Array.from({ length: 8 }, () => ping(service)));
      expect(responses.map((response) => response.error)).toEqual(Array(8).fill(''));
      expect(await server.openConnections()).toBeGreaterThan(0);
      await service.close();
      expect(await server.connectionsLeft()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
