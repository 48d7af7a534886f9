import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { NdpError } from '../errors';
import { EXIT_OK, exitWith } from './exit-codes';
import { pluginTemplate } from './plugin-template';

/** The ndphost package's own folder: dist/src/cli is three levels below it, in the repository and once installed. */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The SDK ships inside the ndphost package (package.json "files") and is a workspace of the repository. */
const SDK_FOLDER = path.join(PACKAGE_ROOT, 'packages', 'plugin-sdk-as');

/**
 * Both a plugin id (the folder name is the id) and an npm package name, in the one spelling
 * every file system and registry agrees on.
 */
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** `ndphost plugin new <name> [--sdk <spec>]`: scaffolds a standalone plugin project in ./<name>. */
export function pluginNewCommand(): Command {
  return new Command('new')
    .description('create a plugin project in ./<name>: AssemblyScript with @ndphost/plugin-sdk-as, built with npm run build')
    .argument('<name>', 'the plugin id and npm package name: lowercase letters, digits and "-"')
    .option('--sdk <spec>', `the @ndphost/plugin-sdk-as dependency: a folder, a .tgz from npm pack or a version (default: file:${SDK_FOLDER})`)
    .action(async (name: string, options: { sdk?: string }) => {
      try {
        const folder = await createProject(name, options.sdk);
        process.stdout.write(`created ${name} in ${folder}\nnext: cd ${name} && npm install && npm test, then ndphost plugin dev . --watch\n`);
        process.exitCode = EXIT_OK;
      } catch (error) {
        exitWith(error);
      }
    });
}

async function createProject(name: string, sdk: string | undefined): Promise<string> {
  if (!NAME.test(name)) {
    throw new NdpError('invalid_argument', `plugin name ${JSON.stringify(name.slice(0, 80))} is not usable: it becomes the plugin id and the npm package name, so use 1-64 lowercase letters, digits and "-", starting with a letter or digit`);
  }
  const folder = path.resolve(name);
  const entries = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new NdpError('invalid_argument', `${folder} exists and is not a folder; pick another name`, { path: folder });
    throw error;
  });
  if (entries.length > 0) throw new NdpError('invalid_argument', `${folder} already exists and is not empty; pick another name or remove it`, { path: folder });
  const files = pluginTemplate({ name, sdkSpec: sdkSpec(sdk), assemblyscriptVersion: await assemblyscriptVersion() });
  for (const [file, text] of files) {
    await mkdir(path.dirname(path.join(folder, file)), { recursive: true });
    // wx: never overwrite, even a file that appeared since the check above.
    await writeFile(path.join(folder, file), text, { flag: 'wx' });
  }
  return folder;
}

/** A path (folder or tarball) becomes an absolute `file:` spec, so the project works from any folder; anything else is passed as is. */
function sdkSpec(sdk: string | undefined): string {
  if (sdk === undefined) return `file:${SDK_FOLDER}`;
  const local = sdk.startsWith('file:') ? sdk.slice('file:'.length) : sdk;
  if (sdk.startsWith('file:') || sdk.startsWith('.') || path.isAbsolute(sdk) || sdk.endsWith('.tgz')) return `file:${path.resolve(local)}`;
  return sdk;
}

/** The compiler the SDK is built and tested with: this package's own pinned devDependency. */
async function assemblyscriptVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const version = manifest.devDependencies?.assemblyscript;
  if (!version) throw new NdpError('internal', `${PACKAGE_ROOT}/package.json names no assemblyscript version`, { path: PACKAGE_ROOT });
  return version;
}
