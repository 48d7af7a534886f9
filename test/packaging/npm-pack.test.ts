import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bufCurl } from '../helpers/buf-curl';
import { freePort } from '../helpers/free-port';
import { REPO_ROOT } from '../helpers/paths';
import { PluginsFolder } from '../helpers/plugins-folder';
import { runProgram, runSync } from '../helpers/run-program';

/**
 * The environment for npm and the installed CLI: no npm_* variables of an `npm test` that runs
 * this file (npm_config_prefix and friends would redirect the install), no NDPHOST_* settings.
 */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') && !key.startsWith('NDPHOST_')));

/**
 * The files a clean clone has: what git tracks plus new files it does not ignore (so an
 * uncommitted change is tested too), without node_modules, dist or built plugins.
 */
function copyCleanTree(to: string): void {
  const listed = runSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT });
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = path.join(REPO_ROOT, file);
    // A file deleted in the working tree is still in the index until committed.
    if (!existsSync(from)) continue;
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    cpSync(from, path.join(to, file));
  }
}

interface PackResult {
  readonly filename: string;
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

describe('npm pack of a clean clone', () => {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'ndphost-pack-'));
  const plugins = new PluginsFolder().copy('wikibio');
  const prefix = path.join(temp, 'prefix');
  let tarball: string;
  let files: string[];
  afterAll(() => {
    rmSync(temp, { recursive: true, force: true });
    plugins.cleanup();
  });

  beforeAll(async () => {
    const clone = path.join(temp, 'clone');
    copyCleanTree(clone);
    // The dev dependencies prepack builds with (tsc), as `npm ci` would install them.
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    const [packed] = JSON.parse(await runProgram('npm', ['pack', '--json', '--pack-destination', temp], { cwd: clone, env: ENV })) as PackResult[];
    tarball = path.join(temp, packed.filename);
    files = runSync('tar', ['-tzf', tarball]).trim().split('\n');
    // The registry is needed only for metadata the npm cache (filled by `npm ci`) lacks.
    await runProgram('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: temp, env: ENV });
  }, 300_000);

  it('holds the built CLI and runtime, the descriptor set, the protos, the SDK and the license, and no tests', () => {
    expect(files).toEqual(
      expect.arrayContaining(
        [
          'package.json',
          'README.md',
          'LICENSE',
          'CHANGELOG.md',
          'bin/ndphost',
          'dist/src/cli/main.js',
          // Loaded by path, never imported: a files list that missed it would break every call.
          'dist/src/runtime/worker-entry.js',
          'dist/generated/ts/api.js',
          'generated/descriptor-set.binpb',
          'proto/api.proto',
          'packages/plugin-sdk-as/package.json',
          'packages/plugin-sdk-as/assembly/index.ts',
          'packages/plugin-sdk-as/assembly/messages/api/ArtistBiographyRequest.ts',
        ].map((file) => `package/${file}`),
      ),
    );
    expect(files.filter((file) => /^package\/(test|bench|dist\/test|dist\/bench|plugins-examples|scripts|node_modules)\//.test(file) || /fixtures|\.test\.js|\.map$/.test(file))).toEqual([]);
  });

  it('installs globally; the installed ndphost lists plugins and serves them, reflection included', async () => {
    const ndphost = path.join(prefix, 'bin', 'ndphost');
    const help = spawnSync(ndphost, ['--help'], { env: ENV, encoding: 'utf8' });
    expect(help).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Usage: ndphost /) });
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(spawnSync(ndphost, ['--version'], { env: ENV, encoding: 'utf8' })).toMatchObject({ status: 0, stdout: `${version}\n` });

    const list = await runProgram(ndphost, ['plugin', 'list', '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--admin-address', 'off'], { env: ENV });
    expect(list).toMatch(/^wikibio\s+Wiki Bio\s+ndphost\s+1\.0\.0\s.*\svalid\s/m);

    const address = `127.0.0.1:${await freePort()}`;
    const serve = spawn(ndphost, ['serve', '--address', address, '--plugins-folder', plugins.folder, '--data-folder', plugins.root], { env: ENV, stdio: 'ignore' });
    try {
      // Ready when reflection answers; bounded, since a broken package never answers.
      let services = await bufCurl({ address }, '', ['--list-services']);
      for (let attempt = 0; services.exitCode !== 0 && attempt < 100 && serve.exitCode === null; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        services = await bufCurl({ address }, '', ['--list-services']);
      }
      expect(services.stdout).toContain('api.MetadataAgent\n');
      // Schema from reflection (the shipped descriptor set), the answer from a worker (the shipped worker entry).
      const call = await bufCurl({ address }, 'api.MetadataAgent/GetArtistBiography', ['-H', 'x-plugin: wikibio', '-d', '{"name":"Nirvana"}']);
      expect(call).toMatchObject({ exitCode: 0 });
      expect(JSON.parse(call.stdout)).toEqual({ biography: expect.stringMatching(/Nirvana/) });
    } finally {
      serve.kill('SIGTERM');
      if (serve.exitCode === null) await once(serve, 'exit');
    }
  });

  it("the installed ndphost scaffolds a plugin project on the SDK it ships, which installs, builds and passes its test", async () => {
    const ndphost = path.join(prefix, 'bin', 'ndphost');
    await runProgram(ndphost, ['plugin', 'new', 'packaged-bio'], { cwd: temp, env: ENV });
    const project = path.join(temp, 'packaged-bio');
    const sdk = path.join(prefix, 'lib', 'node_modules', 'ndphost', 'packages', 'plugin-sdk-as');
    expect(JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'))).toMatchObject({ devDependencies: { '@ndphost/plugin-sdk-as': `file:${sdk}` } });
    await runProgram('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, env: ENV });
    expect(await runProgram('npm', ['test'], { cwd: project, env: ENV })).toMatch(/# pass 4\n# fail 0\n/);
  }, 120_000);
});
