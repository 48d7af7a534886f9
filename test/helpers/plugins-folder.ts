import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_PLUGINS, FIXTURE_PLUGINS } from './paths';

/** A manifest declaring the given services, with every other required field filled. */
export function manifestFor(services: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'test plugin', author: 'ndphost tests', version: '1.0.0', description: 'a test plugin', services, ...extra };
}

/** A manifest in the capabilities form of released Navidrome (v0.57-v0.59). */
export function releasedManifestFor(capabilities: string[], permissions: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'released test plugin', author: 'ndphost tests', version: '1.0.0', description: 'a test plugin', website: 'https://example.com', capabilities, permissions, ...extra };
}

/** `permissions.http` letting a plugin reach a local test server: `methods` on URLs matching `pattern`. */
export function localHttp(pattern: string, methods: string[]): Record<string, unknown> {
  return { reason: 'test server', allowedUrls: { [pattern]: methods }, allowLocalNetwork: true };
}

/** A temporary folder that tests fill with plugins, removed by `cleanup`. */
export class PluginsFolder {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'ndphost-test-'));
  readonly folder = path.join(this.root, 'plugins');

  constructor() {
    mkdirSync(this.folder);
  }

  /** Copies a built fixture (test/fixtures/plugins) or example (plugins-examples) under an id. */
  copy(source: string, id = source): this {
    const from = [FIXTURE_PLUGINS, EXAMPLE_PLUGINS].map((base) => path.join(base, source)).find(hasPlugin);
    if (!from) throw new Error(`no built plugin named ${source}`);
    const to = path.join(this.folder, id);
    mkdirSync(to);
    for (const file of ['manifest.json', 'plugin.wasm']) cpSync(path.join(from, file), path.join(to, file));
    return this;
  }

  /** Copies a built fixture or example under an id, its manifest's `permissions.http` replaced by `http`. */
  copyWithHttp(source: string, id: string, http: Record<string, unknown>): this {
    this.copy(source, id);
    const manifest = JSON.parse(readFileSync(path.join(this.folder, id, 'manifest.json'), 'utf8')) as { permissions?: Record<string, unknown> };
    return this.write(id, { manifest: { ...manifest, permissions: { ...manifest.permissions, http } } });
  }

  /** Writes a plugin folder; a string manifest is written as is (to test bad JSON). */
  write(id: string, files: { manifest?: Record<string, unknown> | string; wasm?: Uint8Array }): this {
    const to = path.join(this.folder, id);
    mkdirSync(to, { recursive: true });
    if (files.manifest !== undefined) {
      const text = typeof files.manifest === 'string' ? files.manifest : JSON.stringify(files.manifest);
      writeFileSync(path.join(to, 'manifest.json'), text);
    }
    if (files.wasm) writeFileSync(path.join(to, 'plugin.wasm'), files.wasm);
    return this;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function hasPlugin(folder: string): boolean {
  try {
    return ['manifest.json', 'plugin.wasm'].every((file) => require('node:fs').statSync(path.join(folder, file)).isFile());
  } catch {
    return false;
  }
}
