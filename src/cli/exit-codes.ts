import { NdpError } from '../errors';

/** Exit codes of every command: 0 success, 1 failure, 2 usage or configuration error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The one place an error becomes an exit code and a one-line message on stderr. */
export function exitWith(error: unknown): never {
  const usage = error instanceof NdpError && error.kind === 'bad_config';
  process.stderr.write(`ndphost: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(usage ? EXIT_USAGE : EXIT_FAILURE);
}
