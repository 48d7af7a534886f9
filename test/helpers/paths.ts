import path from 'node:path';

/** The repository root: tests run from dist/test/helpers, three levels below it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test', 'fixtures', 'plugins');
export const EXAMPLE_PLUGINS = path.join(REPO_ROOT, 'plugins-examples');
export const WAT_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'wat');
export const PROTO_ROOT = path.join(REPO_ROOT, 'proto');
export const CLI_MAIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
/** The package's `bin`: starts node with the sidecar's V8 options on CLI_MAIN. */
export const LAUNCHER = path.join(REPO_ROOT, 'bin', 'ndphost');
