import { messageOf, NdpError, type ErrorKind } from '../errors';

/** Exit codes of every command: 0 success, 1 failure, 2 usage or configuration error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * The kinds that mean "the command was asked wrongly": a bad argument or a bad config value.
 * Fixing the command line or the config fixes them; every other kind is a failure (exit 1).
 */
const USAGE_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['bad_config', 'invalid_argument']);

/** The one place an error's kind becomes an exit code. */
export function exitCodeOf(error: unknown): number {
  return error instanceof NdpError && USAGE_KINDS.has(error.kind) ? EXIT_USAGE : EXIT_FAILURE;
}

/** The one place an error becomes an exit code and a one-line message on stderr. */
export function exitWith(error: unknown): never {
  process.stderr.write(`ndphost: ${messageOf(error)}\n`);
  process.exit(exitCodeOf(error));
}
