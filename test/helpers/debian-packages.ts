import path from 'node:path';
import { REPO_ROOT } from './paths';

/** The purposes scripts/debian-packages.js knows, each with its list of packages. */
export type DebianPurpose = 'C plugin example' | 'Rust plugin example' | 'Python client' | 'Go client' | 'Go wasm module' | 'TLS certificates' | 'Worker scheduling' | 'Metrics lint' | 'Other zip tools';

// One list of package names for the build, the tests and .ci/run: scripts/debian-packages.js.
const packages = require(path.join(REPO_ROOT, 'scripts', 'debian-packages.js')) as { requirePackages(purpose: DebianPurpose): void };

/**
 * Throws, naming the missing Debian packages and how to install them, when `purpose` lacks
 * any: an interop test fails with that message instead of skipping (.ci/run installs them).
 */
export function requireDebianPackages(purpose: DebianPurpose): void {
  packages.requirePackages(purpose);
}
