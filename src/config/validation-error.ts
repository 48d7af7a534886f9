/**
 * Turns convict's validation failure into one `bad_config` NdpError. convict 6 reports every
 * problem as a line of a single Error message and keeps no structured list, so the key is read
 * back from those lines; the patterns match convict 6.2.5's wording (src/main.js, validate()).
 */
import { messageOf, NdpError } from '../errors';
import { configError } from './config-error';
import { originOf, type Sources } from './origin';
import { configOptions } from './schema';

const UNDECLARED = /^configuration param '(.+)' not declared in the schema$/;
const MISSING = /^configuration param '(.+)' missing from config, did you override its parent\?$/;
const INVALID = /^([A-Za-z0-9_.-]+): (.*)$/;

interface Problem {
  readonly key?: string;
  readonly text: string;
}

// TOML keys are case-sensitive but Navidrome's are not, so `address` is a likely slip.
function suggestion(key: string): string {
  const match = configOptions.find((option) => option.key.toLowerCase() === key.toLowerCase());
  return match === undefined ? '' : ` (did you mean ${match.key}?)`;
}

function toProblem(line: string): Problem {
  let match = UNDECLARED.exec(line);
  if (match !== null) return { key: match[1], text: `is not a known setting${suggestion(match[1])}` };
  match = MISSING.exec(line);
  if (match !== null) return { key: match[1], text: 'is missing: a section that holds it was given a value' };
  match = INVALID.exec(line);
  if (match !== null) return { key: match[1], text: match[2] };
  return { text: line };
}

function toError(problem: Problem, sources: Sources, cause: unknown): NdpError {
  const origin = problem.key === undefined ? undefined : originOf(problem.key, sources);
  return configError(problem.key, problem.text, origin, cause);
}

/** The first problem names the key; the others follow in the message so one run shows them all. */
export function toValidationError(error: unknown, sources: Sources): NdpError {
  const text = messageOf(error);
  const [first, ...rest] = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(toProblem);
  if (first === undefined) return configError(undefined, text, undefined, error);

  const head = toError(first, sources, error);
  if (rest.length === 0) return head;
  const others = rest.map((problem) => toError(problem, sources, error).message);
  return new NdpError('bad_config', `${head.message}; also ${others.join('; ')}`, {
    key: head.key,
    path: head.path,
    cause: error,
  });
}
