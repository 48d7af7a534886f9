import path from 'node:path';
import type { Command } from 'commander';
import { packPlugin } from '../plugins';
import { configuredCommand, withContext } from './cli-context';

/** `ndphost plugin pack <folder> [-o file.ndp]`. */
export function pluginPackCommand(): Command {
  return configuredCommand('pack', 'build a .ndp package from a plugin folder, checked as install checks it')
    .argument('<folder>', 'the plugin folder, holding manifest.json and plugin.wasm (README.md and LICENSE go in too)')
    .option('-o, --output <file>', "the package to write (default: <folder name>.ndp here); replaced if it exists")
    .action(
      withContext(async (context, folder: string, options: { output?: string }) => {
        const result = await packPlugin(folder, { output: options.output, moduleRules: context.moduleRules });
        const files = result.entries.map((entry) => entry.name).join(', ');
        context.print(`packed ${path.basename(path.resolve(folder))} ${result.manifest.version} into ${result.file} (${result.size} bytes: ${files})`);
      }),
    );
}
