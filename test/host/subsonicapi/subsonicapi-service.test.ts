import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { connectionsLeft, openConnections } from '../../helpers/open-connections';
import { SubsonicApiService } from '../../../src/host/subsonicapi/subsonicapi-service';

describe('SubsonicApiService', () => {
  it('refuses calls once closed, opening no connection', async () => {
    // Port 1 on loopback: were a request made, it would fail as refused, not as shut down.
    const service = new SubsonicApiService({ subsonicUrl: 'http://127.0.0.1:1/rest', userHeader: 'Remote-User', maxBodyBytes: 1024, log: pino({ level: 'silent' }) });
    await service.close();

    const response = await service.call({ pluginId: 'p', deadline: Date.now() + 5_000, permission: { reason: 'test', allowAdmins: true } }, { url: '/rest/ping?u=alice' });

    expect(response).toEqual({ json: '', error: 'the host is shutting down' });
  });

  it('calls made at once on a new service share the agent it makes for them: close() leaves none of their connections open', async () => {
    const server = createServer((_request, response) => response.end(JSON.stringify({ 'subsonic-response': { status: 'ok' } })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const service = new SubsonicApiService({ subsonicUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest`, userHeader: 'Remote-User', maxBodyBytes: 1024, log: pino({ level: 'silent' }) });
      const call = () => service.call({ pluginId: 'p', deadline: Date.now() + 5_000, permission: { reason: 'test', allowAdmins: true } }, { url: '/rest/ping?u=alice' });
      const responses = await Promise.all(Array.from({ length: 8 }, call));
      expect(responses.map((response) => response.error)).toEqual(Array(8).fill(''));
      expect(await openConnections(server)).toBeGreaterThan(0);
      await service.close();
      expect(await connectionsLeft(server)).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
