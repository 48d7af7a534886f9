import type { Command } from 'commander';
import { startSidecar } from '../sidecar';
import { createLogger } from '../telemetry';
import { configuredCommand, loadCommandConfig } from './cli-context';
import { EXIT_FAILURE, EXIT_OK, exitWith } from './exit-codes';

/**
 * `ndphost serve`: run the sidecar until SIGTERM or SIGINT, then drain within ShutdownTimeout
 * and exit 0. A second signal exits at once, with 1.
 */
export function serveCommand(): Command {
  return configuredCommand('serve', 'serve the loaded plugins over gRPC').action(async (_options: unknown, command: Command) => {
    const config = (() => {
      try {
        return loadCommandConfig(command);
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
      log.info({ signal, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutting down: refusing new calls, draining in-flight calls');
      sidecar.close().then(
        () => process.exit(EXIT_OK),
        (error: unknown) => exitWith(error),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
