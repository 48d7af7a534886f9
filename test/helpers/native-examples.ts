import { existsSync } from 'node:fs';
import path from 'node:path';
import { requireDebianPackages, type DebianPurpose } from './debian-packages';
import { EXAMPLE_PLUGINS } from './paths';

/** The examples Debian's toolchains build (scripts/build-native-plugins.js), with the packages each needs. */
const NATIVE_EXAMPLES: Readonly<Record<string, DebianPurpose>> = { 'c-metadata': 'C plugin example', 'rust-scrobbler': 'Rust plugin example' };

/**
 * Throws when an example that needs a Debian toolchain is not built: naming the missing packages,
 * or else saying that its build was skipped. Other examples are always built with the rest.
 */
export function requireBuiltExample(name: string): void {
  const purpose = NATIVE_EXAMPLES[name];
  const wasm = path.join(EXAMPLE_PLUGINS, name, 'plugin.wasm');
  if (purpose === undefined || existsSync(wasm)) return;
  requireDebianPackages(purpose);
  throw new Error(`${wasm} is not built: run npm run build:plugins and read why it was skipped`);
}
