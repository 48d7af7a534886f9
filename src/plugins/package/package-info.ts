import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../manifest';
import { packageLimits, type PackageLimits } from './package-layout';
import { readPackage, type PackageEntry } from './read-package';
import { readManifest } from './validate-plugin';

/** One host service a plugin asks to use, from its manifest's `permissions`. */
export interface PermissionRequest {
  readonly hostService: string;
  readonly reason: string;
  /** `http`: URL pattern -> methods (`*` for all); `websocket`: URL patterns. */
  readonly allowedUrls?: Readonly<Record<string, readonly string[]>> | readonly string[];
  /** `http` and `websocket`. */
  readonly allowLocalNetwork?: boolean;
  /** `subsonicapi`: the users it may act as (none listed: any). */
  readonly allowedUsernames?: readonly string[];
  /** `subsonicapi`. */
  readonly allowAdmins?: boolean;
}

/** What `plugin info` shows about a package. */
export interface PackageInfo {
  /** Absolute path of the package. */
  readonly file: string;
  readonly size: number;
  /** SHA-256 of the package file, hex. */
  readonly sha256: string;
  readonly modified: Date;
  readonly manifest: Manifest;
  /** The files inside, in package order, with their decompressed sizes. */
  readonly files: readonly PackageEntry[];
  /** Sorted by host service; empty when the plugin asks for none. */
  readonly permissions: readonly PermissionRequest[];
}

/**
 * Describes a package without installing it. The package is read with the same checks as install
 * (a refused package is refused here too) and its manifest validated; plugin.wasm is not compiled,
 * since info is for looking before deciding.
 */
export async function readPackageInfo(file: string, limits: Partial<PackageLimits> = {}): Promise<PackageInfo> {
  const absolute = path.resolve(file);
  const { files, entries } = await readPackage(absolute, packageLimits(limits));
  const pluginId = path.basename(absolute).replace(/\.ndp$/i, '');
  const manifest = readManifest(files, pluginId, absolute);
  const [info, sha256] = await Promise.all([stat(absolute), fileSha256(absolute)]);
  return { file: absolute, size: info.size, sha256, modified: info.mtime, manifest, files: entries, permissions: permissionRequests(manifest) };
}

/** The manifest's permissions as a flat list, one per host service. */
export function permissionRequests(manifest: Manifest): PermissionRequest[] {
  return Object.entries(manifest.permissions ?? {})
    .flatMap(([hostService, permission]) => (permission ? [{ hostService, ...permission }] : []))
    .sort((a, b) => a.hostService.localeCompare(b.hostService));
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
