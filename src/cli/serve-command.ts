import { Command } from 'commander';
import { configOptions, loadConfig } from '../config';
import { startSidecar } from '../sidecar';
import { createLogger } from '../telemetry';
import { EXIT_FAILURE, EXIT_OK, exitWith } from './exit-codes';

/** `ndphost serve`: run the sidecar until SIGTERM or SIGINT, then drain and exit 0. */
export function serveCommand(): Command {
  const help = configOptions
    .map((option) => `  ${(option.flag ? `--${option.flag}` : '(file only)').padEnd(28)} ${option.key}${option.env ? ` (env ${option.env})` : ''}: ${option.doc}`)
    .join('\n');
  return new Command('serve')
    .description('serve the loaded plugins over gRPC')
    .option('-c, --config <file>', 'TOML config file')
    // Config flags are parsed by the config loader, so flags, env and file share one schema.
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', `\nConfig flags (override env, which overrides the file):\n${help}`)
    .action(async (options: { config?: string }, command: Command) => {
      const config = (() => {
        try {
          return loadConfig({ configFile: options.config, args: command.args });
        } catch (error) {
          return exitWith(error);
        }
      })();
      const log = createLogger({ level: config.logLevel, format: config.logFormat });
      const sidecar = await startSidecar(config, log).catch(exitWith);
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return process.exit(EXIT_FAILURE);
        stopping = true;
        log.info({ signal }, 'draining in-flight calls');
        sidecar.close().then(
          () => process.exit(EXIT_OK),
          (error: unknown) => exitWith(error),
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
