/**
 * Builds the `bad_config` error. One place, so every config problem reads the same way:
 * `<key>: <what is wrong> (from <where the value came from>)`.
 */
import { NdpError } from '../errors';

/** Where a value came from; `path` is set when it is the config file. */
export interface Origin {
  readonly description: string;
  readonly path?: string;
}

/** The origin of anything read from the config file at `path`. */
export function fileOrigin(path: string): Origin {
  return { description: `config file ${path}`, path };
}

/** A `bad_config` NdpError naming `key`, plus the source when known. */
export function configError(
  key: string | undefined,
  problem: string,
  origin?: Origin,
  cause?: unknown,
): NdpError {
  const subject = key === undefined ? problem : `${key}: ${problem}`;
  const message = origin === undefined ? subject : `${subject} (from ${origin.description})`;
  return new NdpError('bad_config', message, { key, path: origin?.path, cause });
}
