import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Message } from '../helpers/api-clients';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { defer, type Deferred } from '../helpers/defer';
import { PluginsFolder } from '../helpers/plugins-folder';
import type { TestSidecar } from '../helpers/test-sidecar';

// MetadataAgent fan-out asks every plugin at once and answers with the first real answer in
// plugin order. Two bio-http copies call a local server that holds each request until the test
// answers it, so every step waits on a request arriving, never on time.

/** An HTTP server that holds each request until the test answers it. */
class HoldingServer {
  private readonly waiting = new Map<string, Deferred<ServerResponse>>();
  private readonly server = createServer((req, res) => this.held(new URL(req.url ?? '/', 'http://held').pathname).resolve(res));

  static async start(): Promise<HoldingServer> {
    const server = new HoldingServer();
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  url(prefix: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${prefix}`;
  }

  /** Resolves when a request for `pathname` has arrived; answers it with `status` and `body`. */
  async answer(pathname: string, status: number, body = ''): Promise<void> {
    const res = await this.held(pathname).promise;
    this.waiting.delete(pathname);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  }

  /** Resolves when a request for `pathname` has arrived, leaving it unanswered. */
  async arrived(pathname: string): Promise<void> {
    await this.held(pathname).promise;
  }

  /** True while the request for `pathname` is held and its client still waits for the answer. */
  async stillWaiting(pathname: string): Promise<boolean> {
    const res = await this.held(pathname).promise;
    return !res.writableEnded && !res.socket?.destroyed;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private held(pathname: string): Deferred<ServerResponse> {
    let entry = this.waiting.get(pathname);
    if (!entry) {
      entry = defer<ServerResponse>();
      this.waiting.set(pathname, entry);
    }
    return entry;
  }
}

describe('MetadataAgent fan-out', () => {
  const plugins = new PluginsFolder();
  let server: HoldingServer;
  let s: TestSidecar;
  const biography = (name: string): Promise<Message> => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name });

  beforeAll(async () => {
    server = await HoldingServer.start();
    for (const id of ['bio-a', 'bio-b']) {
      plugins.copy('bio-http', id);
      const manifestFile = path.join(plugins.folder, id, 'manifest.json');
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
      const http = { reason: 'test server', allowedUrls: { [server.url('/*')]: ['GET'] }, allowLocalNetwork: true };
      plugins.write(id, { manifest: { ...manifest, permissions: { http } } });
    }
    s = await startConfiguredSidecar(plugins.folder, {
      toml: [pluginConfigSection('bio-a', { base_url: server.url('/a') }), pluginConfigSection('bio-b', { base_url: server.url('/b') })].join('\n'),
      args: ['--plugins-order', 'bio-a,bio-b', '--plugins-min-workers', '1'],
    });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  it('asks the next plugin while the first is still working', async () => {
    const answer = biography('Ann');
    // Asked one after another, bio-b would be asked only once bio-a had answered.
    await server.arrived('/b/biography');
    await expect(server.stillWaiting('/a/biography')).resolves.toBe(true);
    await server.answer('/a/biography', 404);
    await server.answer('/b/biography', 200, 'from b');
    await expect(answer).resolves.toEqual({ biography: 'from b' });
  });

  it('the first plugin in order wins even when a later one answers first', async () => {
    const answer = biography('Bob');
    await server.answer('/b/biography', 200, 'from b');
    await server.answer('/a/biography', 200, 'from a');
    await expect(answer).resolves.toEqual({ biography: 'from a' });
  });

  it('answers as soon as the first plugin in order does, without waiting for the rest', async () => {
    const answer = biography('Cat');
    await server.arrived('/b/biography');
    await server.answer('/a/biography', 200, 'from a');
    await expect(answer).resolves.toEqual({ biography: 'from a' });
    await server.answer('/b/biography', 404);
  });
});
