import pino from 'pino';
import { SubsonicApiService } from '../../../src/host/subsonicapi/subsonicapi-service';

describe('SubsonicApiService', () => {
  it('refuses calls once closed, opening no connection', async () => {
    // Port 1 on loopback: were a request made, it would fail as refused, not as shut down.
    const service = new SubsonicApiService({ subsonicUrl: 'http://127.0.0.1:1/rest', userHeader: 'Remote-User', maxBodyBytes: 1024, log: pino({ level: 'silent' }) });
    await service.close();

    const response = await service.call({ pluginId: 'p', deadline: Date.now() + 5_000, permission: { reason: 'test', allowAdmins: true } }, { url: '/rest/ping?u=alice' });

    expect(response).toEqual({ json: '', error: 'the host is shutting down' });
  });
});
