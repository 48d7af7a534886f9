/**
 * Reads and parses the TOML config file. A syntax error names the file, line and column and
 * shows smol-toml's excerpt of the offending line, so the user can fix it without a TOML linter.
 */
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { messageOf, NdpError } from '../errors';

/** A parsed config file. */
export interface ConfigFile {
  /** Absolute. */
  readonly path: string;
  readonly table: Readonly<Record<string, unknown>>;
}

/** Reads `path` (absolute) or raises `bad_config` naming it. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new NdpError('bad_config', `cannot read config file ${path}: ${messageOf(cause)}`, { path, cause });
  }
  try {
    // 'throw' turns a `__proto__` or `constructor` key into a syntax error instead of a key that
    // later merging could trip over.
    return { path, table: parse(text, { unsafeKeyBehaviour: 'throw' }) };
  } catch (cause) {
    if (!(cause instanceof TomlError)) throw cause;
    const reason = cause.message.split('\n', 1)[0].replace(/^Invalid TOML document: /, '');
    const excerpt = cause.codeblock.trimEnd();
    throw new NdpError(
      'bad_config',
      `${path}:${cause.line}:${cause.column}: invalid TOML: ${reason}\n${excerpt}`,
      { path, cause },
    );
  }
}
