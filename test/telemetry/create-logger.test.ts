import path from 'node:path';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { NdpError } from '../../src/errors';
import { ApiClients } from '../helpers/api-clients';
import { createLogger } from '../../src/telemetry';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { freePort } from '../helpers/free-port';
import { PluginsFolder } from '../helpers/plugins-folder';
import { spawnSidecar } from '../helpers/spawned-sidecar';
import type { TestSidecar } from '../helpers/test-sidecar';

/** A destination that keeps what the logger wrote, line by line. */
class Lines extends Writable {
  readonly lines: string[] = [];
  private partial = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    done();
  }

  /** Each line as JSON (throws on a line that is not). */
  json(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

describe('LogFormat', () => {
  it('json writes one JSON object a line, with pino numeric levels', () => {
    const out = new Lines();
    createLogger({ level: 'info', format: 'json', destination: out }).info({ plugin: 'p' }, 'hello');
    expect(out.json()).toEqual([expect.objectContaining({ level: 30, msg: 'hello', plugin: 'p' })]);
  });

  it('pretty writes a human-readable line with the level name and the fields below', () => {
    const out = new Lines();
    createLogger({ level: 'info', format: 'pretty', destination: out, isTTY: false }).info({ plugin: 'p' }, 'hello');
    expect(out.lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): hello$/);
    expect(out.lines).toContain('    plugin: "p"');
    expect(() => JSON.parse(out.lines[0])).toThrow();
  });

  it.each([
    [true, 'pretty'],
    [false, 'json'],
  ])('auto with a terminal %s is %s', (isTTY, expected) => {
    const out = new Lines();
    createLogger({ level: 'info', format: 'auto', destination: out, isTTY }).info('hello');
    const isJson = out.lines[0].startsWith('{');
    expect(isJson ? 'json' : 'pretty').toBe(expected);
  });

  it('ndphost serve --log-format pretty logs human-readable lines', async () => {
    const plugins = new PluginsFolder();
    try {
      const sidecar = await spawnSidecar(['--address', '127.0.0.1:0', '--data-folder', plugins.root, '--plugins-folder', plugins.folder, '--log-format', 'pretty']);
      const clients = new ApiClients(`127.0.0.1:${sidecar.port}`);
      await expect(clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'Ann' })).rejects.toMatchObject({ code: 5 });
      clients.close();
      expect(await sidecar.stop()).toBe(0);
      expect(sidecar.lines.find((line) => line.includes('ndphost listening'))).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): ndphost listening$/);
      expect(sidecar.lines.some((line) => line.startsWith('{'))).toBe(false);
    } finally {
      plugins.cleanup();
    }
  });
});

describe('logged errors', () => {
  const logged = (error: unknown): Record<string, unknown> => {
    const out = new Lines();
    createLogger({ level: 'info', format: 'json', destination: out }).warn({ err: error }, 'failed');
    return out.json()[0].err as Record<string, unknown>;
  };

  it.each(['plugin_error', 'not_found', 'plugin_timeout', 'trap', 'deadline'] as const)('an NdpError of kind %s is logged as message and kind, without a stack', (kind) => {
    const err = logged(new NdpError(kind, 'plugin p: GET http://x/: connection refused', { pluginId: 'p', export: 'e' }));
    expect(err).toEqual({ type: 'NdpError', kind, message: 'plugin p: GET http://x/: connection refused', plugin: 'p', export: 'e' });
  });

  it('an internal NdpError and any other error keep their stacks', () => {
    expect(logged(new NdpError('internal', 'our bug'))).toMatchObject({ kind: 'internal', stack: expect.stringContaining('create-logger.test') });
    expect(logged(new TypeError('boom'))).toMatchObject({ type: 'TypeError', message: 'boom', stack: expect.stringContaining('create-logger.test') });
  });
});

describe('the access log and expected failures in a running sidecar', () => {
  const plugins = new PluginsFolder().copy('fixture', 'fixture');
  const out = new Lines();
  let s: TestSidecar;

  beforeAll(async () => {
    // A port nothing listens on: the plugin's request fails as a network failure, not ndphost's.
    const port = await freePort();
    plugins.copy('bio-http', 'a-unreachable');
    const manifest = JSON.parse(readFileSync(path.join(plugins.folder, 'a-unreachable', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    plugins.write('a-unreachable', { manifest: { ...manifest, permissions: { http: { reason: 'test', allowedUrls: { [`http://127.0.0.1:${port}/*`]: ['GET'] }, allowLocalNetwork: true } } } });
    s = await startConfiguredSidecar(plugins.folder, {
      toml: pluginConfigSection('a-unreachable', { base_url: `http://127.0.0.1:${port}/` }),
      args: ['--plugins-min-workers', '1'],
      log: createLogger({ level: 'debug', format: 'json', destination: out }),
    });
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  const accessLines = () => out.json().filter((line) => line.msg === 'call');

  it('writes one debug line per contract call with plugin, service, rpc, status and ms', async () => {
    const before = accessLines().length;
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Ann' }, { plugin: 'fixture' })).resolves.toEqual({ biography: 'fixture:Ann:calls=1' });
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Ann' }, { plugin: 'nobody' })).rejects.toMatchObject({ code: 5 });
    const lines = accessLines().slice(before);
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, plugin: 'fixture', service: 'MetadataAgent', rpc: 'GetArtistBiography', status: 'OK', ms: expect.any(Number) }),
      expect.objectContaining({ level: 20, plugin: 'nobody', service: 'MetadataAgent', rpc: 'GetArtistBiography', status: 'NOT_FOUND', ms: expect.any(Number) }),
    ]);
    expect(lines[0].ms).toBeGreaterThan(0);
  });

  it('logs a plugin whose HTTP request failed, skipped in fan-out, without a stack trace', async () => {
    const before = out.lines.length;
    // a-unreachable is asked first (by id), fails, is logged and skipped; fixture answers.
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Bo' })).resolves.toEqual({ biography: 'fixture:Bo:calls=1' });
    const warning = out.json().slice(before).find((line) => line.msg === 'plugin failed; asking the next');
    expect(warning).toMatchObject({ level: 40, plugin: 'a-unreachable', err: { type: 'NdpError', kind: 'plugin_error', message: expect.stringMatching(/a-unreachable.*connection.*refused/i) } });
    expect(JSON.stringify(warning)).not.toContain('stack');
    // A fan-out names no plugin: the line is the contract call's.
    expect(accessLines().at(-1)).toMatchObject({ service: 'MetadataAgent', rpc: 'GetArtistBiography', status: 'OK' });
    expect(accessLines().at(-1)).not.toHaveProperty('plugin');
  });
});
