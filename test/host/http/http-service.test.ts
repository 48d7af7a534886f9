import type { HttpResponse } from '../../../generated/ts/host/http/http';
import { HttpService, type HttpMethod, type HttpPermission, type HttpServiceOptions } from '../../../src/host/http';
import { CapturedLog, WARN } from '../../helpers/capture-log';
import { RecordingHttpServer } from '../../helpers/recording-http-server';
import { TestCaller } from '../../helpers/test-caller';
import { httpRoutes } from './http-routes';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const FAR = 60_000;

interface Echo {
  method: string;
  headers: Record<string, string>;
  body: string;
}

describe('HttpService', () => {
  let server: RecordingHttpServer;
  let captured: CapturedLog;
  const services: HttpService[] = [];

  beforeAll(async () => {
    server = await RecordingHttpServer.start(httpRoutes);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    captured = new CapturedLog();
  });
  afterEach(() => Promise.all(services.splice(0).map((service) => service.close())));

  function service(options: Partial<HttpServiceOptions> = {}): HttpService {
    const created = new HttpService({ defaultPolicy: 'deny', allowLocalNetwork: false, log: captured.log, ...options });
    services.push(created);
    return created;
  }

  /** A permission for the test server, local network allowed, every method. */
  function local(allowedUrls: Record<string, string[]> = { [server.url('/*')]: ['*'] }): HttpPermission {
    return { reason: 'tests', allowedUrls, allowLocalNetwork: true };
  }

  interface Options {
    permission?: HttpPermission;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs?: number;
    deadline?: number;
    pluginId?: string;
    caller?: TestCaller;
  }

  function perform(target: HttpService, method: HttpMethod, url: string, options: Options = {}): Promise<HttpResponse> {
    return target.perform({
      pluginId: options.pluginId ?? 'tester',
      method,
      request: { url, headers: options.headers ?? {}, timeoutMs: options.timeoutMs ?? 0, body: Buffer.from(options.body ?? '') },
      permission: 'permission' in options ? options.permission : local(),
      deadline: options.deadline ?? Date.now() + FAR,
      caller: options.caller,
    });
  }

  const echoOf = (response: HttpResponse): Echo => JSON.parse(response.body.toString()) as Echo;

  describe('methods, headers and bodies', () => {
    it.each(METHODS)('%s reaches the server with its headers; only POST, PUT and PATCH carry the body', async (method) => {
      const response = await perform(service(), method, server.url('/echo'), { headers: { 'X-Test': 'yes' }, body: 'payload' });

      expect(response.error).toBe('');
      expect(response.status).toBe(200);
      expect(response.headers['x-method']).toBe(method);
      const [seen] = server.matching((request) => request.path === '/echo');
      expect(seen.method).toBe(method);
      expect(seen.headers['x-test']).toBe('yes');
      const sendsBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
      expect(seen.body.toString()).toBe(sendsBody ? 'payload' : '');
      if (method === 'HEAD') expect(response.body.length).toBe(0);
      else expect(echoOf(response).body).toBe(sendsBody ? 'payload' : '');
    });

    it('repeated response headers come back joined with ", ", Set-Cookie included', async () => {
      const response = await perform(service(), 'GET', server.url('/headers'));

      expect(response.headers['set-cookie']).toBe('a=1, b=2');
      expect(response.headers['x-one']).toBe('1');
    });

    it('ignores Host and framing headers a plugin sets: the host derives them from the URL and body', async () => {
      const response = await perform(service(), 'POST', server.url('/echo'), { headers: { Host: 'elsewhere.example', 'Content-Length': '999' }, body: 'abc' });

      expect(response.error).toBe('');
      const [seen] = server.matching((request) => request.path === '/echo');
      expect(seen.headers.host).toBe(`127.0.0.1:${server.port}`);
      expect(seen.headers['content-length']).toBe('3');
    });

    it.each([404, 500])('status %i comes back as a status with an empty error', async (status) => {
      const response = await perform(service(), 'GET', server.url(`/status/${status}`));

      expect(response).toMatchObject({ status, error: '' });
      expect(response.body.toString()).toBe(`status ${status}`);
    });
  });

  describe('timeouts', () => {
    it('timeout_ms ends a request the server never answers', async () => {
      const response = await perform(service(), 'GET', server.url('/hang'), { timeoutMs: 100 });

      expect(response.status).toBe(0);
      expect(response.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/hang: timed out after 100 ms$/);
    });

    it("the plugin call's deadline wins over a longer timeout_ms", async () => {
      const response = await perform(service(), 'GET', server.url('/hang'), { timeoutMs: FAR, deadline: Date.now() + 100 });

      expect(response.status).toBe(0);
      expect(response.error).toMatch(/timed out after \d+ ms \(the plugin call's deadline\)/);
    });

    it('a deadline already past fails without sending anything', async () => {
      const response = await perform(service(), 'GET', server.url('/echo'), { deadline: Date.now() - 1 });

      expect(response.error).toMatch(/deadline has passed/);
      expect(server.requests).toEqual([]);
    });
  });

  describe("the plugin's caller cancelling", () => {
    it("abandons every request waiting for it, through one listener on the caller's call", async () => {
      const caller = new TestCaller();
      const target = service();
      // A fan-out's plugins each waiting on a request for the one incoming call: past EventEmitter's ten.
      const waiting = Array.from({ length: 12 }, () => perform(target, 'GET', server.url('/hang'), { caller }));
      while (server.requests.length < 12) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(caller.listenerCount('cancelled')).toBe(1);

      caller.cancel();
      const responses = await Promise.all(waiting);
      expect(responses.map((response) => response.error)).toEqual(Array(12).fill(`GET ${server.url('/hang')}: abandoned: the plugin's caller cancelled the call`));
      expect(caller.listenerCount('cancelled')).toBe(0);
      expect(await server.connectionsLeft(5_000)).toBe(0);
    });

    it('sends nothing for a caller already gone, and leaves no listener after a request that was answered', async () => {
      const gone = new TestCaller();
      gone.cancel();
      expect((await perform(service(), 'GET', server.url('/echo'), { caller: gone })).error).toBe(`GET ${server.url('/echo')}: not sent, the plugin's caller cancelled the call`);
      expect(server.requests).toEqual([]);

      const waiting = new TestCaller();
      expect((await perform(service(), 'GET', server.url('/echo'), { caller: waiting })).status).toBe(200);
      expect(waiting.listenerCount('cancelled')).toBe(0);
    });
  });

  describe('body cap', () => {
    it.each(['/bytes', '/declared'])('%s: one byte over the cap is an error, never a truncated body', async (route) => {
      const response = await perform(service({ maxBodyBytes: 1000 }), 'GET', server.url(`${route}/1001`));

      expect(response).toMatchObject({ status: 0, error: expect.stringMatching(/response body is larger than the 1000-byte limit/) });
      expect(response.body.length).toBe(0);
    });

    it('a body exactly at the cap arrives whole', async () => {
      const response = await perform(service({ maxBodyBytes: 1000 }), 'GET', server.url('/bytes/1000'));

      expect(response.error).toBe('');
      expect(response.body).toEqual(Buffer.alloc(1000, 0x61));
    });

    it('the default cap is 10 MiB', async () => {
      const response = await perform(service(), 'GET', server.url(`/bytes/${10 * 1024 * 1024 + 1}`));

      expect(response.error).toMatch(/larger than the 10485760-byte limit/);
    });
  });

  describe('redirects', () => {
    it('follows a chain of three', async () => {
      const response = await perform(service(), 'GET', server.url('/chain/3'));

      expect(response).toMatchObject({ status: 200, error: '' });
      expect(response.body.toString()).toBe('end of chain');
      expect(server.requests.map((seen) => seen.path)).toEqual(['/chain/3', '/chain/2', '/chain/1', '/chain/0']);
    });

    it('follows five and refuses the sixth', async () => {
      expect((await perform(service(), 'GET', server.url('/chain/5'))).error).toBe('');
      const response = await perform(service(), 'GET', server.url('/chain/6'));

      expect(response).toMatchObject({ status: 0, error: expect.stringMatching(/chain\/6: too many redirects \(more than 5\)$/) });
    });

    it('refuses a hop the patterns do not allow, naming its URL, before sending it', async () => {
      const permission = local({ [server.url('/redirect')]: ['GET'] });
      const forbidden = server.url('/echo');
      const response = await perform(service(), 'GET', `${server.url('/redirect')}?to=${encodeURIComponent(forbidden)}`, { permission });

      expect(response.status).toBe(0);
      expect(response.error).toBe(`GET ${forbidden} (redirect 1) is not permitted: no pattern in permissions.http.allowedUrls matches it`);
      expect(server.matching((request) => request.path === '/echo')).toEqual([]);
    });

    it.each([
      ['POST', 303, 'GET', ''],
      ['PUT', 303, 'GET', ''],
      ['POST', 302, 'GET', ''],
      ['POST', 301, 'GET', ''],
      ['PUT', 302, 'PUT', 'payload'],
      ['POST', 307, 'POST', 'payload'],
      ['PATCH', 308, 'PATCH', 'payload'],
      ['HEAD', 303, 'HEAD', ''],
    ] as const)('%s answered %i is followed as %s', async (method, status, followedAs, body) => {
      const response = await perform(service(), method, `${server.url('/redirect')}?status=${status}&to=/echo`, { body: 'payload', headers: { 'content-type': 'text/plain' } });

      expect(response.error).toBe('');
      const [seen] = server.matching((request) => request.path === '/echo');
      expect(seen.method).toBe(followedAs);
      expect(seen.body.toString()).toBe(body);
      expect(seen.headers['content-type']).toBe(body === '' && followedAs !== method ? undefined : 'text/plain');
    });

    it('drops credentials when a redirect leaves the origin', async () => {
      const permission = local({ [server.url('/*')]: ['*'], [server.url('/*', 'localhost')]: ['*'] });
      const headers = { authorization: 'Bearer secret', 'x-other': 'kept' };
      const response = await perform(service(), 'GET', `${server.url('/redirect')}?to=${encodeURIComponent(server.url('/echo', 'localhost'))}`, { permission, headers });

      expect(response.error).toBe('');
      expect(echoOf(response).headers).toMatchObject({ 'x-other': 'kept' });
      expect(echoOf(response).headers.authorization).toBeUndefined();
    });
  });

  describe('permissions.http patterns', () => {
    it('refuses a method the matching pattern does not list, before sending', async () => {
      const permission = local({ [server.url('/*')]: ['GET', 'post'] });
      const response = await perform(service(), 'DELETE', server.url('/echo'), { permission });

      expect(response.status).toBe(0);
      expect(response.error).toBe(`DELETE ${server.url('/echo')} is not permitted: method DELETE is not listed for ${server.url('/*')} (GET, POST)`);
      expect(server.requests).toEqual([]);
      expect((await perform(service(), 'POST', server.url('/echo'), { permission })).error).toBe('');
    });

    it('"*" allows every method', async () => {
      const target = service();
      const permission = local({ [server.url('/echo')]: ['*'] });
      for (const method of METHODS) expect((await perform(target, method, server.url('/echo'), { permission })).error).toBe('');
    });

    it('a * in the host stands for one or more labels', async () => {
      const target = service();
      const wildcard = local({ [`http://*:${server.port}/*`]: ['GET'] });
      expect((await perform(target, 'GET', server.url('/echo'), { permission: wildcard })).error).toBe('');

      const elsewhere = local({ [`http://*.example.com:${server.port}/*`]: ['GET'] });
      expect((await perform(target, 'GET', server.url('/echo'), { permission: elsewhere })).error).toMatch(/is not permitted: no pattern/);
    });

    it('an encoded ../ out of an allowed path is refused before sending; an encoded / inside it is sent as is', async () => {
      const target = service();
      const permission = local({ [server.url('/ok/*')]: ['GET'] });
      const refused = await perform(target, 'GET', server.url('/ok/..%2fecho'), { permission });

      expect(refused.error).toMatch(/\/ok\/\.\.%2fecho is not permitted: no pattern in permissions\.http\.allowedUrls matches it$/);
      expect(server.requests).toEqual([]);
      expect((await perform(target, 'GET', server.url('/ok/AC%2FDC'), { permission })).error).toBe('');
      expect(server.requests.map((request) => request.path)).toEqual(['/ok/AC%2FDC']);
    });

    it('a permission without allowedUrls allows nothing', async () => {
      const response = await perform(service(), 'GET', server.url('/echo'), { permission: { reason: 'tests', allowLocalNetwork: true } });

      expect(response.error).toMatch(/is not permitted: permissions.http lists no allowedUrls$/);
    });

    it('a bad pattern refuses the request and names the pattern', async () => {
      const response = await perform(service(), 'GET', server.url('/echo'), { permission: local({ 'ftp://files.example.com/*': ['GET'] }) });

      expect(response.error).toMatch(/not permitted: plugin tester: manifest.json: URL pattern "ftp:\/\/files.example.com\/\*" has scheme ftp/);
    });

    it.each([
      ['a string that is no URL', 'not a url', /^bad URL "not a url"$/],
      ['an ftp URL', 'ftp://127.0.0.1/file', /^GET ftp:\/\/127\.0\.0\.1\/file is not permitted: unsupported URL scheme "ftp"; only http and https are allowed$/],
      ['a file URL', 'file:///etc/passwd', /unsupported URL scheme "file"/],
    ])('refuses %s', async (_, url, error) => {
      const response = await perform(service({ defaultPolicy: 'allow', allowLocalNetwork: true }), 'GET', url, { permission: undefined });

      expect(response).toMatchObject({ status: 0, error: expect.stringMatching(error) });
    });
  });

  describe('operator default for plugins without permissions.http', () => {
    it('deny refuses and warns once per plugin how to allow it', async () => {
      const target = service({ defaultPolicy: 'deny', allowLocalNetwork: true });
      const first = await perform(target, 'GET', server.url('/echo'), { permission: undefined, pluginId: 'quiet' });
      await perform(target, 'GET', server.url('/echo'), { permission: undefined, pluginId: 'quiet' });
      await perform(target, 'GET', server.url('/echo'), { permission: undefined, pluginId: 'other' });

      expect(first.status).toBe(0);
      expect(first.error).toMatch(/is not permitted: plugin quiet has no permissions.http in its manifest and Plugins.DefaultHttp is "deny"/);
      expect(server.requests).toEqual([]);
      const warnings = captured.lines.filter((line) => line.level === WARN);
      expect(warnings.map((line) => line.pluginId)).toEqual(['quiet', 'other']);
      expect(warnings[0].msg).toMatch(/add permissions.http .* to its manifest.json, or set Plugins.DefaultHttp = "allow"/);
    });

    it('allow lets the request through', async () => {
      const response = await perform(service({ defaultPolicy: 'allow', allowLocalNetwork: true }), 'GET', server.url('/echo'), { permission: undefined });

      expect(response).toMatchObject({ status: 200, error: '' });
      expect(captured.lines.filter((line) => line.level === WARN)).toEqual([]);
    });
  });

  describe('local network', () => {
    const anyHost = (port: number): HttpPermission => ({ reason: 'tests', allowedUrls: { [`http://*:${port}/*`]: ['*'] } });

    it.each([
      ['an IP literal', '127.0.0.1', 'connection to 127.0.0.1 refused: 127.0.0.1 is a loopback address'],
      ['a name that resolves to loopback', 'localhost', 'connection to localhost (127.0.0.1) refused: 127.0.0.1 is a loopback address'],
      ['an IPv4-mapped IPv6 literal', '[::ffff:127.0.0.1]', 'connection to ::ffff:7f00:1 refused: ::ffff:7f00:1 is a loopback address'],
    ])('refuses %s at connect time, naming the address', async (_, host, reason) => {
      const response = await perform(service(), 'GET', server.url('/echo', host), { permission: anyHost(server.port) });

      expect(response.status).toBe(0);
      expect(response.error).toContain(reason);
      expect(response.error).toMatch(/Plugins.AllowLocalNetwork/);
      expect(server.requests).toEqual([]);
    });

    it("the plugin's allowLocalNetwork permits it", async () => {
      const permission = { ...anyHost(server.port), allowLocalNetwork: true };
      const response = await perform(service(), 'GET', server.url('/echo', 'localhost'), { permission });

      expect(response).toMatchObject({ status: 200, error: '' });
    });

    it("the operator's allowLocalNetwork permits it", async () => {
      const response = await perform(service({ allowLocalNetwork: true }), 'GET', server.url('/echo', 'localhost'), { permission: anyHost(server.port) });

      expect(response).toMatchObject({ status: 200, error: '' });
    });
  });

  describe('network failures', () => {
    it('a closed port is a refused connection', async () => {
      const closed = await RecordingHttpServer.start();
      const url = closed.url('/echo');
      await closed.close();

      const response = await perform(service(), 'GET', url, { permission: local({ [url]: ['GET'] }) });

      expect(response).toMatchObject({ status: 0, error: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/echo: connection to 127\.0\.0\.1:\d+ refused \(ECONNREFUSED\)$/) });
    });

    it('a name that does not resolve is a DNS failure', async () => {
      // .invalid never resolves (RFC 6761), so no public host is contacted.
      const response = await perform(service({ defaultPolicy: 'allow' }), 'GET', 'http://no-such-host.invalid/', { permission: undefined, timeoutMs: 5000 });

      expect(response).toMatchObject({ status: 0, error: expect.stringMatching(/^GET http:\/\/no-such-host\.invalid\/: DNS lookup of no-such-host\.invalid failed \(E\w+\)$/) });
    });

    it('requests made at once on a new service share the agents it makes for them: close() leaves none of their connections open', async () => {
      const target = service();
      const responses = await Promise.all(Array.from({ length: 8 }, () => perform(target, 'GET', server.url('/echo'))));
      expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
      expect(await server.openConnections()).toBeGreaterThan(0);
      await target.close();
      expect(await server.connectionsLeft()).toBe(0);
    });

    it('after close every request resolves with an error', async () => {
      const target = service();
      await target.close();

      expect((await perform(target, 'GET', server.url('/echo'))).error).toBe('GET refused: the host is shutting down');
    });
  });

  describe('logging', () => {
    it('logs each request at debug with plugin id, method, host, status, bytes and time', async () => {
      const response = await perform(service(), 'GET', server.url('/chain/2'), { pluginId: 'logger' });

      const [line] = captured.withMessage('http request');
      expect(line).toMatchObject({ level: 20, pluginId: 'logger', method: 'GET', host: `127.0.0.1:${server.port}`, status: 200, bytes: response.body.length, redirects: 2 });
      expect(line.ms).toEqual(expect.any(Number));
      expect(line.error).toBeUndefined();
    });

    it('logs a failure with its error and status 0', async () => {
      await perform(service(), 'GET', server.url('/echo'), { pluginId: 'logger', permission: undefined });

      expect(captured.withMessage('http request')).toEqual([expect.objectContaining({ pluginId: 'logger', status: 0, bytes: 0, error: expect.stringMatching(/not permitted/) })]);
    });
  });
});
