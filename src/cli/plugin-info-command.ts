import path from 'node:path';
import type { Command } from 'commander';
import { NdpError } from '../errors';
import type { Manifest } from '../plugins';
import { checkPluginId, permissionRequests, readPackageInfo, type PackageInfo } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext, type CliContext } from './cli-context';
import { readInstalledPlugin, type InstalledPlugin } from './installed-plugins';
import { permissionLines } from './permission-lines';
import { formatFields } from './text-table';

/** `ndphost plugin info <id | file.ndp> [--json]`. */
export function pluginInfoCommand(): Command {
  return configuredCommand('info', 'describe a .ndp package (without installing it) or an installed plugin')
    .argument('<id-or-package>', 'an installed plugin id, or a .ndp package file')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, target: string, options: { json?: boolean }) => {
        // An id is a bare folder name (checkPluginId allows no separators), so anything naming
        // a .ndp file or a path is a package.
        if (/\.ndp$/i.test(target) || target.includes('/') || target.includes(path.sep)) showPackage(context, await readPackageInfo(target), options.json);
        else showInstalled(context, await installed(context, target), options.json);
      }),
    );
}

async function installed(context: CliContext, id: string): Promise<InstalledPlugin> {
  requirePluginsEnabled(context.config);
  checkPluginId(id, ' (give a .ndp file to describe a package)');
  const plugin = await readInstalledPlugin(context.config.plugins.folder, id, context.moduleRules);
  if (!plugin) throw new NdpError('unknown_plugin', `plugin ${id} is not installed in ${context.config.plugins.folder}`, { pluginId: id });
  return plugin;
}

function showPackage(context: CliContext, info: PackageInfo, json = false): void {
  if (json) return context.printJson(info);
  const width = Math.max(...info.files.map((file) => file.name.length));
  context.print(
    ...formatFields([
      ['File', info.file],
      ['Size', `${info.size} bytes`],
      ['SHA-256', info.sha256],
      ['Modified', info.modified.toISOString()],
      ...manifestFields(info.manifest),
    ]),
    'Files:',
    ...info.files.map((file) => `  ${file.name.padEnd(width)}  ${file.size} bytes`),
    'Permissions:',
    ...permissionLines(info.permissions),
  );
}

function showInstalled(context: CliContext, plugin: InstalledPlugin, json = false): void {
  const permissions = plugin.manifest ? permissionRequests(plugin.manifest) : [];
  if (json) return context.printJson({ ...plugin, permissions });
  context.print(
    ...formatFields([
      ['ID', plugin.id],
      ['Folder', plugin.folder],
      ['Dev', plugin.dev ? `yes, linked to ${plugin.target}` : 'no'],
      ['State', plugin.state],
      ...(plugin.error ? [['Error', plugin.error] as const] : []),
      ...(plugin.manifest ? manifestFields(plugin.manifest) : []),
      ...(plugin.wasmSha256 ? [['WASM SHA-256', plugin.wasmSha256] as const] : []),
    ]),
    'Permissions:',
    ...(plugin.manifest ? permissionLines(permissions) : ['  unknown: manifest.json is not valid']),
  );
}

const DIALECTS: Record<Manifest['dialect'], string> = {
  services: 'services (ndphost manifest form)',
  capabilities: 'capabilities (plugin built for Navidrome v0.57-v0.59)',
};

function manifestFields(manifest: Manifest): Array<readonly [string, string]> {
  return [
    ['Name', manifest.name],
    ['Author', manifest.author],
    ['Version', manifest.version],
    ['Description', manifest.description],
    ...(manifest.website ? [['Website', manifest.website] as const] : []),
    ['Dialect', DIALECTS[manifest.dialect]],
    [manifest.dialect === 'capabilities' ? 'Capabilities' : 'Services', manifest.services.join(', ')],
    ['Host access', manifest.hostServices.join(', ') || 'none'],
  ];
}
