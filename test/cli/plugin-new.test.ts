import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_PLUGINS, REPO_ROOT } from '../helpers/paths';
import { PluginsFolder } from '../helpers/plugins-folder';
import { runProgram } from '../helpers/run-program';
import { ndphost as spawnNdphost, runNdphost, type CliRun } from '../helpers/serve-process';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar';

/** No NDPHOST_* settings, and no npm_* variables of an `npm test` running this file (they would steer the project's npm). */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') && !key.startsWith('NDPHOST_')));

type Run = CliRun;

const ndphost = (args: string[], cwd: string): Promise<CliRun> => runNdphost(args, { cwd, env: ENV });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ndphost plugin new', () => {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'ndphost-new-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('refuses a name that is no plugin id or npm name, and a folder that is not empty (exit 2, one line), creating nothing', async () => {
    const cwd = path.join(temp, 'refusals');
    mkdirSync(path.join(cwd, 'taken'), { recursive: true });
    writeFileSync(path.join(cwd, 'taken', 'notes.txt'), 'mine');
    for (const name of ['My_Plugin', 'with space', '../escape', 'a'.repeat(65)]) {
      const refused = await ndphost(['plugin', 'new', name], cwd);
      expect(refused).toMatchObject({ code: 2, stdout: '' });
      expect(refused.stderr).toMatch(/^ndphost: plugin name ".*" is not usable: .*lowercase letters, digits and "-".*\n$/);
    }
    const taken = await ndphost(['plugin', 'new', 'taken'], cwd);
    expect(taken).toMatchObject({ code: 2, stdout: '', stderr: `ndphost: ${path.join(cwd, 'taken')} already exists and is not empty; pick another name or remove it\n` });
    expect(readdirSync(cwd)).toEqual(['taken']);
    expect(readdirSync(path.join(cwd, 'taken'))).toEqual(['notes.txt']);
    // An empty folder is fine: the user may have made it first.
    mkdirSync(path.join(cwd, 'empty'));
    expect(await ndphost(['plugin', 'new', 'empty'], cwd)).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(path.join(cwd, 'empty', 'manifest.json'))).toBe(true);
  });

  describe('a scaffolded project, outside this repository', () => {
    const project = path.join(temp, 'bio-agent');
    const plugins = new PluginsFolder();
    let sidecar: TestSidecar;
    const cli = (...args: string[]): Promise<Run> => ndphost(['plugin', ...args, '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--admin-address', String(sidecar.adminAddress)], temp);
    const biography = async (name: string, plugin = 'bio-agent'): Promise<string> =>
      (await sidecar.clients.call(sidecar.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin })).biography as string;
    /** `plugin dev <folder> --watch` against the sidecar, its output collected; stopped with SIGTERM by `stop`, which resolves to the exit code. */
    const watch = (folder: string) => {
      const child = spawnNdphost(['plugin', 'dev', folder, '--watch', '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--admin-address', String(sidecar.adminAddress)], { cwd: temp, env: ENV });
      const run = { output: '', stop: async (): Promise<number | null> => {
        child.kill('SIGTERM');
        return child.exitCode ?? ((await once(child, 'exit')) as [number | null])[0];
      } };
      child.stdout.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
      return run;
    };
    const until = async (done: () => boolean | Promise<boolean>): Promise<void> => {
      for (let attempt = 0; !(await done()) && attempt < 300; attempt++) await sleep(100);
    };

    beforeAll(async () => {
      const created = await ndphost(['plugin', 'new', 'bio-agent'], temp);
      expect(created).toMatchObject({ code: 0, stderr: '' });
      // The SDK from this repository's package folder (the default of a CLI run from here), the
      // compiler from the npm cache `npm ci` filled; the registry only for what the cache lacks.
      await runProgram('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, env: ENV });
      sidecar = await startTestSidecar(plugins.folder);
    }, 180_000);
    afterAll(async () => {
      await sidecar?.close();
      plugins.cleanup();
    });

    it('has the files a plugin project needs, depends on the SDK by package name, and builds and passes its own test', async () => {
      const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.name === 'node_modules' ? [] : entry.isDirectory() ? files(path.join(dir, entry.name)).map((file) => `${entry.name}/${file}`) : [entry.name]));
      expect(files(project).sort()).toEqual(['.gitignore', '.npmrc', 'README.md', 'asconfig.json', 'assembly/index.ts', 'assembly/tsconfig.json', 'manifest.json', 'package-lock.json', 'package.json', 'test/plugin.test.mjs']);
      const manifest = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
      expect(manifest.devDependencies).toEqual({ '@ndphost/plugin-sdk-as': `file:${path.join(REPO_ROOT, 'packages', 'plugin-sdk-as')}`, assemblyscript: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
      expect(readFileSync(path.join(project, 'assembly', 'index.ts'), 'utf8')).toContain('from "@ndphost/plugin-sdk-as/assembly"');
      // A copy, not a link into this repository: the project stands alone.
      expect(existsSync(path.join(project, 'node_modules', '@ndphost', 'plugin-sdk-as', 'assembly', 'messages', 'api', 'ArtistBiographyRequest.ts'))).toBe(true);

      await runProgram('npm', ['run', 'build'], { cwd: project, env: ENV });
      expect(readFileSync(path.join(project, 'plugin.wasm')).subarray(0, 4)).toEqual(Buffer.from('\0asm'));
      const tested = await runProgram('npm', ['test'], { cwd: project, env: ENV });
      expect(tested).toMatch(/# pass 4\n# fail 0\n/);
    }, 120_000);

    it('plugin dev serves the built plugin from a running sidecar over gRPC', async () => {
      const linked = await cli('dev', project);
      expect(linked).toMatchObject({ code: 0, stderr: '' });
      expect(linked.stdout).toContain(`sidecar at ${sidecar.adminAddress} loaded bio-agent 0.1.0 (ready)\n`);
      expect(await biography('Nirvana')).toBe('Nirvana is an artist bio-agent knows about.');
    });

    it('plugin dev --watch rebuilds on save and the running sidecar serves the new code', async () => {
      const watcher = watch(project);
      try {
        // It builds, relinks the same folder without asking, then watches.
        await until(() => watcher.output.includes('watching '));
        expect(watcher.output).toContain(`watching ${project} for changes`);
        expect(watcher.output).not.toContain('ndphost:');

        const source = path.join(project, 'assembly', 'index.ts');
        writeFileSync(source, readFileSync(source, 'utf8').replace('is an artist', 'is a band'));
        await until(async () => (await biography('Nirvana')) === 'Nirvana is a band bio-agent knows about.');
        expect(await biography('Nirvana')).toBe('Nirvana is a band bio-agent knows about.');
        expect(watcher.output).toMatch(/building bio-agent: npm run build\n[^]*sidecar at .* reloaded bio-agent 0\.1\.0 -> 0\.1\.0 \(ready\)\n/);

        // A save that does not compile: reported, and the last good build keeps serving.
        writeFileSync(source, `${readFileSync(source, 'utf8')}\nthis is not AssemblyScript\n`);
        await until(() => watcher.output.includes('build of bio-agent failed'));
        expect(watcher.output).toContain('ndphost: build of bio-agent failed; the sidecar keeps serving the last good build\n');
        expect(await biography('Nirvana')).toBe('Nirvana is a band bio-agent knows about.');
      } finally {
        expect(await watcher.stop()).toBe(0);
      }
    }, 120_000);

    it('plugin dev --watch on a folder without a build script reloads when its plugin.wasm changes', async () => {
      const folder = path.join(temp, 'prebuilt');
      mkdirSync(folder);
      for (const file of ['manifest.json', 'plugin.wasm']) cpSync(path.join(FIXTURE_PLUGINS, 'fixture', file), path.join(folder, file));
      const watcher = watch(folder);
      try {
        await until(() => watcher.output.includes('watching '));
        expect(watcher.output).not.toContain('building');
        expect(await biography('x', 'prebuilt')).toBe('fixture:x:calls=1');
        // The "next build", from another tool (its manifest first: it declares fewer services).
        for (const file of ['manifest.json', 'plugin.wasm']) cpSync(path.join(FIXTURE_PLUGINS, 'fixture-two', file), path.join(folder, file));
        await until(async () => (await biography('x', 'prebuilt')) === 'two:x');
        expect(await biography('x', 'prebuilt')).toBe('two:x');
        expect(watcher.output).not.toContain('ndphost:');
      } finally {
        expect(await watcher.stop()).toBe(0);
      }
    }, 120_000);
  });
});
