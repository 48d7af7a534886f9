import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PluginsFolder } from '../helpers/plugins-folder';
import { REPO_ROOT } from '../helpers/paths';

const execFileAsync = promisify(execFile);

/** Packages a sidecar needs only for features that are off by default, or until a plugin uses them. */
const OPTIONAL = ['undici', 'ws', 'jsonwebtoken', 'prom-client', '@opentelemetry/sdk-trace', '@opentelemetry/exporter-trace-otlp-http', 'pino-pretty'];

// Jest keeps a module registry of its own, so the packages a start-up loads are read in a
// process of their own, from Node's require cache, after starting a sidecar as `ndphost serve` does.
const SCRIPT = `
const [src, args] = [process.argv[1], JSON.parse(process.argv[2])];
const { loadConfig } = require(src + '/config');
const { startSidecar } = require(src + '/sidecar');
const { createLogger } = require(src + '/telemetry');
(async () => {
  const config = loadConfig({ env: {}, args });
  const sidecar = await startSidecar(config, createLogger({ level: 'silent', format: config.logFormat }));
  await sidecar.close();
  const files = Object.keys(require.cache).map((file) => /node_modules\\/(.*)$/.exec(file)?.[1]);
  process.stdout.write(JSON.stringify(files.filter(Boolean)));
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** The files of packages a start-up loads, each as its path under node_modules. */
async function filesLoaded(args: string[]): Promise<string[]> {
  const plugins = new PluginsFolder().copy('fixture');
  try {
    const allArgs = ['--address', '127.0.0.1:0', '--plugins-folder', plugins.folder, '--data-folder', path.join(plugins.root, 'data'), ...args];
    const { stdout } = await execFileAsync(process.execPath, ['-e', SCRIPT, path.join(REPO_ROOT, 'dist', 'src'), JSON.stringify(allArgs)]);
    return JSON.parse(stdout) as string[];
  } finally {
    plugins.cleanup();
  }
}

const packageOf = (file: string) => file.split('/').slice(0, file.startsWith('@') ? 2 : 1).join('/');

async function packagesLoaded(args: string[]): Promise<string[]> {
  return [...new Set((await filesLoaded(args)).map(packageOf))];
}

describe('what a sidecar loads at start-up', () => {
  it('leaves the packages of unconfigured features and unused host services unloaded', async () => {
    const loaded = await packagesLoaded(['--log-format', 'json']);
    expect(loaded).toContain('@grpc/grpc-js');
    expect(loaded.filter((name) => OPTIONAL.includes(name))).toEqual([]);
  }, 60_000);

  it("compiles no JSON Schema: of ajv, only the runtime helpers of the manifests' generated validators load", async () => {
    const ajv = (await filesLoaded(['--log-format', 'json'])).filter((file) => packageOf(file) === 'ajv');
    expect(ajv.length).toBeGreaterThan(0);
    expect(ajv.filter((file) => !file.startsWith('ajv/dist/runtime/'))).toEqual([]);
  }, 60_000);

  it('loads metrics, tracing and pretty logs when they are configured', async () => {
    const loaded = await packagesLoaded(['--log-format', 'pretty', '--metrics-address', '127.0.0.1:0', '--tracing-enabled', 'true']);
    expect(OPTIONAL.filter((name) => loaded.includes(name)).sort()).toEqual(['@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/sdk-trace', 'pino-pretty', 'prom-client']);
  }, 60_000);
});
