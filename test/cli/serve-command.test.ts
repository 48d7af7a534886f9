import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ApiClients } from '../helpers/api-clients';
import { CLI_MAIN } from '../helpers/paths';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { watFixture } from '../helpers/wat';

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly logs: string[];
}

function ndphost(args: string[]): ChildProcessWithoutNullStreams {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NDPHOST_')));
  return spawn(process.execPath, [CLI_MAIN, ...args], { env });
}

/** Starts `ndphost serve` and resolves once its "plugins loaded" log line says it serves. */
async function serve(plugins: PluginsFolder): Promise<Started> {
  const child = ndphost(['serve', '--address', '127.0.0.1:0', '--plugins-folder', plugins.folder, '--data-folder', plugins.root]);
  const logs: string[] = [];
  let port = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    logs.push(line);
    const entry = JSON.parse(line) as { msg: string; port?: number };
    if (entry.port) port = entry.port;
    if (entry.msg === 'plugins loaded') return { child, port, logs };
  }
  throw new Error(`ndphost exited before serving: ${logs.join('\n')}`);
}

describe('ndphost serve', () => {
  const plugins = new PluginsFolder();
  beforeAll(async () => {
    plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
  });
  afterAll(() => plugins.cleanup());

  it('on SIGTERM lets in-flight calls finish, then exits 0', async () => {
    const { child, port } = await serve(plugins);
    const clients = new ApiClients(`127.0.0.1:${port}`);
    try {
      const inFlight = clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' });
      // The sleepy plugin holds the call for 1 s; the signal lands while it is in flight.
      await new Promise((resolve) => setTimeout(resolve, 200));
      child.kill('SIGTERM');
      await expect(inFlight).resolves.toEqual({ biography: 'slept' });
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      await expect(clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' }, { timeoutMs: 500 })).rejects.toMatchObject({
        code: expect.any(Number),
      });
    } finally {
      clients.close();
      child.kill('SIGKILL');
    }
  });

  it('a bad config value stops start-up with exit code 2 and a message naming the key', async () => {
    const child = ndphost(['serve', '--plugins-max-workers', '0', '--plugins-folder', plugins.folder]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^ndphost: Plugins\.MaxWorkers: /);
  });

  it('a missing config file stops start-up with its path', async () => {
    const child = ndphost(['serve', '--config', '/nonexistent/ndphost.toml']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('/nonexistent/ndphost.toml');
  });

  it('an address already in use fails start-up naming the address', async () => {
    const first = await serve(plugins);
    try {
      const child = ndphost(['serve', '--address', `127.0.0.1:${first.port}`, '--plugins-folder', plugins.folder, '--data-folder', plugins.root]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = await once(child, 'exit');
      expect(code).toBe(2);
      expect(stderr).toContain(`cannot listen on 127.0.0.1:${first.port}`);
    } finally {
      first.child.kill('SIGKILL');
    }
  });
});

