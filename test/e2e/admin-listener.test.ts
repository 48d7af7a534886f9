import { Client, credentials, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiClients, status } from '../helpers/api-clients';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { PluginsFolder } from '../helpers/plugins-folder';
import { PYTHON } from '../helpers/python-client';
import { runSync } from '../helpers/run-program';
import { runNdphost } from '../helpers/serve-process';
import type { TestSidecar } from '../helpers/test-sidecar';

// The contract address can be exposed to backends; reload and remove must not be reachable there.
describe('the admin service, on its own listener (AdminAddress)', () => {
  const plugins = new PluginsFolder().copy('fixture', 'bio');
  const dataFolder = path.join(plugins.root, 'data');
  const socket = path.join(dataFolder, 'admin.sock');
  let s: TestSidecar;

  beforeAll(async () => {
    mkdirSync(dataFolder);
    // A socket file left by a crashed run: bound, never unlinked (Python exits without closing it).
    runSync(PYTHON, ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(socket)})`]);
    expect(statSync(socket).isSocket()).toBe(true);
    s = await startConfiguredSidecar(plugins.folder, { dataFolder });
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  it('is UNIMPLEMENTED on the contract address', async () => {
    const onContract = new ApiClients(s.address);
    try {
      for (const method of ['ListPlugins', 'RefreshPlugin', 'RescanAll']) {
        await expect(onContract.call(onContract.admin, method, { id: 'bio' })).rejects.toMatchObject(status(grpcStatus.UNIMPLEMENTED));
      }
    } finally {
      onContract.close();
    }
  });

  it('listens by default on <DataFolder>/admin.sock, a socket only its user may use (0600), replacing the stale one', async () => {
    expect(s.adminAddress).toBe(`unix:${socket}`);
    const stats = statSync(socket);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    await expect(s.clients.call(s.clients.admin, 'ListPlugins', {})).resolves.toMatchObject({ plugins: [expect.objectContaining({ id: 'bio', state: 'ready' })] });
  });

  it('answers bytes that are not a valid request INVALID_ARGUMENT, naming the rpc', async () => {
    const client = new Client(s.adminAddress as string, credentials.createInsecure());
    const identity = (bytes: Buffer) => bytes;
    try {
      const failure = await new Promise<ServiceError | null>((resolve) => client.makeUnaryRequest('/ndphost.admin.v1.PluginAdmin/RefreshPlugin', identity, identity, Buffer.from([0x0a, 0xff]), (error) => resolve(error)));
      expect(failure).toMatchObject(status(grpcStatus.INVALID_ARGUMENT, 'the request (2 bytes) is not a valid RefreshPlugin request: premature EOF'));
    } finally {
      client.close();
    }
  });

  it('the CLI finds it from the same config (DataFolder) and refreshes through it', async () => {
    const run = await runNdphost(['plugin', 'refresh', 'bio', '--plugins-folder', plugins.folder, '--data-folder', dataFolder]);
    expect(run).toEqual({ code: 0, stdout: 'refreshed bio: 0.0.1 -> 0.0.1 (ready)\n', stderr: '' });
  });

  it('a second sidecar on the same DataFolder refuses to take over the live socket', async () => {
    await expect(startConfiguredSidecar(plugins.folder, { dataFolder })).rejects.toMatchObject({
      kind: 'failed_precondition',
      message: `cannot listen on unix:${socket} (AdminAddress): another process is listening there (is another ndphost running?)`,
    });
    expect(statSync(socket).isSocket()).toBe(true);
  });
});

describe('AdminAddress set to a loopback port, or off', () => {
  const plugins = new PluginsFolder().copy('fixture', 'bio');
  afterAll(() => plugins.cleanup());

  it('the default socket is removed at shutdown', async () => {
    const dataFolder = path.join(plugins.root, 'default');
    const s = await startConfiguredSidecar(plugins.folder, { dataFolder });
    expect(statSync(path.join(dataFolder, 'admin.sock')).isSocket()).toBe(true);
    await s.close();
    expect(existsSync(path.join(dataFolder, 'admin.sock'))).toBe(false);
  });

  it('a loopback port serves the admin service there', async () => {
    const s = await startConfiguredSidecar(plugins.folder, { args: ['--admin-address', '127.0.0.1:0'] });
    try {
      expect(s.adminAddress).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(s.adminAddress).not.toBe('127.0.0.1:0');
      await expect(s.clients.call(s.clients.admin, 'ListPlugins', {})).resolves.toMatchObject({ plugins: [expect.objectContaining({ id: 'bio' })] });
    } finally {
      await s.close();
    }
  });

  it('"" turns it off: no socket, and the CLI says why it cannot tell the sidecar', async () => {
    const dataFolder = path.join(plugins.root, 'off');
    const s = await startConfiguredSidecar(plugins.folder, { dataFolder, args: ['--admin-address', ''] });
    try {
      expect(s.adminAddress).toBeUndefined();
      expect(existsSync(path.join(dataFolder, 'admin.sock'))).toBe(false);
      const run = await runNdphost(['plugin', 'refresh', 'bio', '--plugins-folder', plugins.folder, '--data-folder', dataFolder, '--admin-address', '']);
      expect(run).toEqual({ code: 0, stdout: 'bio 0.0.1 is valid; the admin listener is off (AdminAddress is ""), so it loads at the next start\n', stderr: '' });
    } finally {
      await s.close();
    }
  });
});
