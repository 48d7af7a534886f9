import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installPlugin, packPlugin, readPackageInfo } from '../../../src/plugins';
import { EXAMPLE_PLUGINS } from '../../helpers/paths';
import { PluginsFolder } from '../../helpers/plugins-folder';

describe('packPlugin', () => {
  let plugins: PluginsFolder;
  let source: string;
  let out: string;

  beforeEach(() => {
    plugins = new PluginsFolder();
    source = path.join(plugins.root, 'src', 'wikibio');
    out = path.join(plugins.root, 'out');
    mkdirSync(path.join(source, 'assembly'), { recursive: true });
    mkdirSync(out);
    for (const file of ['manifest.json', 'plugin.wasm']) cpSync(path.join(EXAMPLE_PLUGINS, 'wikibio', file), path.join(source, file));
    writeFileSync(path.join(source, 'README.md'), '# Wiki Bio\n');
    writeFileSync(path.join(source, 'assembly', 'index.ts'), '// not packed');
    writeFileSync(path.join(source, 'notes.txt'), 'not packed either');
  });
  afterEach(() => plugins.cleanup());

  it('packs the plugin files, and install takes the package back byte for byte', async () => {
    const output = path.join(out, 'wikibio.ndp');
    const packed = await packPlugin(source, { output });

    expect(packed).toMatchObject({ file: output, manifest: { name: 'Wiki Bio' } });
    expect(packed.entries.map((entry) => entry.name)).toEqual(['manifest.json', 'plugin.wasm', 'README.md']);
    expect(packed.size).toBe(readFileSync(output).length);
    expect(readdirSync(out)).toEqual(['wikibio.ndp']);

    const installed = await installPlugin(plugins.folder, output);
    expect(readdirSync(installed.folder).sort()).toEqual(['README.md', 'manifest.json', 'plugin.wasm']);
    for (const name of readdirSync(installed.folder)) {
      expect(readFileSync(path.join(installed.folder, name)).equals(readFileSync(path.join(source, name)))).toBe(true);
    }
  });

  it('names the package after the folder, in the current directory, by default', async () => {
    const cwd = process.cwd();
    process.chdir(out);
    try {
      const packed = await packPlugin(source);
      expect(packed.file).toBe(path.join(out, 'wikibio.ndp'));
    } finally {
      process.chdir(cwd);
    }
    expect((await readPackageInfo(path.join(out, 'wikibio.ndp'))).files.map((entry) => entry.name)).toContain('plugin.wasm');
  });

  it('replaces an older package at the output', async () => {
    const output = path.join(out, 'wikibio.ndp');
    writeFileSync(output, 'old');
    await packPlugin(source, { output });
    expect(readFileSync(output).subarray(0, 2).toString()).toBe('PK');
    expect(readdirSync(out)).toEqual(['wikibio.ndp']);
  });

  describe('refuses a folder install would refuse, and writes no package', () => {
    const cases: [string, () => void, string, RegExp][] = [
      ['a missing plugin.wasm', () => writeFileSync(path.join(source, 'plugin.wasm'), ''), 'bad_module', /does not compile/],
      ['a bad manifest', () => writeFileSync(path.join(source, 'manifest.json'), '{"name": "x"}'), 'bad_manifest', /field "author"/],
      ['a file over the cap', () => writeFileSync(path.join(source, 'LICENSE'), Buffer.alloc(40_000, 'a')), 'bad_package', /LICENSE is over the 30000-byte cap/],
    ];
    it.each(cases)('%s', async (_title, spoil, kind, message) => {
      spoil();
      const output = path.join(out, 'wikibio.ndp');
      await expect(packPlugin(source, { output, limits: { maxFileBytes: 30_000 } })).rejects.toMatchObject({ kind, message: expect.stringMatching(message) });
      expect(readdirSync(out)).toEqual([]);
      expect(existsSync(output)).toBe(false);
    });
  });
});
