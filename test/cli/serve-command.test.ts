import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClients } from '../helpers/api-clients';
import { REPO_ROOT } from '../helpers/paths';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { runNdphost, startServe } from '../helpers/serve-process';
import { watFixture } from '../helpers/wat';

describe('ndphost serve', () => {
  const plugins = new PluginsFolder();
  const serveArgs = (address = '127.0.0.1:0', dataFolder = plugins.root) => ['--address', address, '--plugins-folder', plugins.folder, '--data-folder', dataFolder];
  beforeAll(async () => {
    plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
  });
  afterAll(() => plugins.cleanup());

  it('on SIGTERM lets in-flight calls finish, then exits 0', async () => {
    const { child, port, exited } = await startServe(serveArgs());
    const clients = new ApiClients(`127.0.0.1:${port}`);
    try {
      const inFlight = clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' });
      // The sleepy plugin holds the call for 1 s; the signal lands while it is in flight.
      await new Promise((resolve) => setTimeout(resolve, 200));
      child.kill('SIGTERM');
      await expect(inFlight).resolves.toEqual({ biography: 'slept' });
      expect(await exited).toBe(0);
      await expect(clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' }, { timeoutMs: 500 })).rejects.toMatchObject({
        code: expect.any(Number),
      });
    } finally {
      clients.close();
      child.kill('SIGKILL');
    }
  });

  // Before, `serve` passed unknown options through to the config loader: each of these served.
  it.each([
    ['a misspelt flag', ['--adress', '127.0.0.1:55013'], "unknown option '--adress' (did you mean --address?)"],
    ['an unknown flag', ['--foo'], "unknown option '--foo'"],
    ['an extra argument', ['extra-arg'], "too many arguments for 'serve'. Expected 0 arguments but got 1."],
    ['a flag without its value', ['--plugins-folder'], "option '--plugins-folder <value>' argument missing"],
  ])('%s is a usage error: one ndphost: line, exit 2, nothing served', async (_what, args, message) => {
    expect(await runNdphost(['serve', ...args])).toEqual({ code: 2, stdout: '', stderr: `ndphost: ${message}\n` });
  });

  it('an unknown command is a usage error with a suggestion', async () => {
    expect(await runNdphost(['serv'])).toEqual({ code: 2, stdout: '', stderr: "ndphost: unknown command 'serv' (did you mean serve?)\n" });
  });

  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await runNdphost(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('serve --help lists every config flag, from the schema', async () => {
    const help = await runNdphost(['serve', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--address', '--admin-address', '--shutdown-timeout', '--tls-cert', '--tls-key', '--tls-client-ca', '--plugins-folder']) expect(help.stdout).toContain(`${flag} <value>`);
  });

  it('a bad config value stops start-up with exit code 2 and a message naming the key', async () => {
    const run = await runNdphost(['serve', '--plugins-max-workers', '0', '--plugins-folder', plugins.folder]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ndphost: Plugins\.MaxWorkers: [^\n]*\n$/);
  });

  it('a missing config file stops start-up with its path', async () => {
    const run = await runNdphost(['serve', '--config', '/nonexistent/ndphost.toml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/ndphost.toml');
  });

  it('an address already in use is an operational failure: exit 1, one line naming the address', async () => {
    const first = await startServe(serveArgs());
    try {
      const run = await runNdphost(['serve', ...serveArgs(`127.0.0.1:${first.port}`, path.join(plugins.root, 'second'))]);
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: `ndphost: cannot listen on 127.0.0.1:${first.port} (Address): the address is already in use (is another ndphost running?)\n`,
      });
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
  });
});
