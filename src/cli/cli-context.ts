import { Command, Option, type CommanderError } from 'commander';
import { configOptions, loadConfig, type Config } from '../config';
import { NdpError } from '../errors';
import { HOST_FUNCTIONS } from '../host';
import type { ModuleRules } from '../plugins';
import { EXIT_OK, EXIT_USAGE, exitWith } from './exit-codes';

/** What a plugin command works with: the config, loaded once, and what follows from it. */
export interface CliContext {
  readonly config: Config;
  /**
   * The rules the sidecar's Sandbox is built with (src/sidecar.ts), so a check here refuses
   * exactly what loading would refuse later.
   */
  readonly moduleRules: ModuleRules;
  /** Writes lines to stdout. */
  print(...lines: string[]): void;
  /** Writes a value to stdout as indented JSON. */
  printJson(value: unknown): void;
  /** Writes lines to stderr as `ndphost: <line>`: what the user must know beside the output. */
  warn(...lines: string[]): void;
}

/** A command's body: gets the context and the command's arguments; a failure is thrown, as an NdpError. */
export type CommandAction<A extends unknown[]> = (context: CliContext, ...args: A) => Promise<void>;

const CONFIG_GROUP = 'Config options (override env, which overrides the file):';

/**
 * A command that reads the config: `-c, --config` and every config flag, from the one schema.
 * The flags are declared to commander, not passed through as unknown options, so commander can
 * tell them from the command's own arguments (`install --plugins-folder p x.ndp` must not take
 * `--plugins-folder` for the package), and refuses a misspelt flag with a suggestion, a flag
 * without its value, or an extra argument.
 */
export function configuredCommand(name: string, description: string): Command {
  const command = new Command(name).description(description).option('-c, --config <file>', 'TOML config file');
  for (const option of configOptions) {
    if (option.flag === undefined) continue;
    // Repeats are kept, as convict reads them (a repeated --plugins-order adds to the list).
    command.addOption(new Option(`--${option.flag} <value>`, `${option.key}${option.env ? ` (env ${option.env})` : ''}: ${option.doc}`).argParser(collect).helpGroup(CONFIG_GROUP));
  }
  return command;
}

/**
 * Wraps a command body: loads the config once from `--config`, NDPHOST_* and the config flags,
 * then runs the body. Any error ends the command through exitWith, the one place kinds become
 * exit codes; a body that returns has succeeded.
 */
export function withContext<A extends unknown[]>(action: CommandAction<A>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    try {
      const context = createContext(command);
      await action(context, ...(args.slice(0, -1) as A));
      process.exitCode = EXIT_OK;
    } catch (error) {
      exitWith(error);
    }
  };
}

/**
 * Gives a command tree the CLI's conventions: a usage error from commander (a missing argument,
 * an unknown option, an extra argument) is one `ndphost: <message>` line on stderr and exit code
 * 2; help and --version exit 0.
 */
export function withUsageConventions(command: Command): Command {
  command
    .exitOverride((error: CommanderError) => process.exit(error.exitCode === 0 ? EXIT_OK : EXIT_USAGE))
    .configureOutput({ outputError: (text, write) => write(`ndphost: ${oneLine(text)}\n`) });
  for (const subcommand of command.commands) withUsageConventions(subcommand);
  return command;
}

/** commander's `error: unknown option '--adress'\n(Did you mean --address?)` as one line, without its prefix. */
function oneLine(text: string): string {
  return text
    .trim()
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)');
}

/** Throws unless Plugins.Enabled (plugin-system.md, "Plugin Management": the plugin system must be enabled). */
export function requirePluginsEnabled(config: Config): void {
  if (!config.plugins.enabled) {
    throw new NdpError('failed_precondition', 'plugins are disabled (Plugins.Enabled is false); enable them to manage plugins', { key: 'Plugins.Enabled' });
  }
}

/** The config from `--config`, NDPHOST_* and the config flags commander parsed (later wins). */
export function loadCommandConfig(command: Command): Config {
  const { config: configFile } = command.opts<{ config?: string }>();
  return loadConfig({ configFile, args: configArgs(command) });
}

function createContext(command: Command): CliContext {
  return contextOf(loadCommandConfig(command));
}

/** Where a command's output goes: the process's own streams, or a test's. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_OUTPUT: CommandOutput = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };

/** The context of a command run with `config`, writing to `output`. */
export function contextOf(config: Config, output: CommandOutput = PROCESS_OUTPUT): CliContext {
  return {
    config,
    moduleRules: { hostFunctions: HOST_FUNCTIONS, maxMemoryMiB: config.plugins.maxMemoryMiB, maxTableEntries: config.plugins.maxTableEntries },
    print: (...lines) => output.stdout(lines.map((line) => `${line}\n`).join('')),
    printJson: (value) => output.stdout(`${JSON.stringify(value, null, 2)}\n`),
    warn: (...lines) => output.stderr(lines.map((line) => `ndphost: ${line}\n`).join('')),
  };
}

/** The config flags given, back as the `--flag=value` arguments loadConfig reads. */
function configArgs(command: Command): string[] {
  return configOptions.flatMap((option) => {
    if (option.flag === undefined) return [];
    const attribute = new Option(`--${option.flag} <value>`).attributeName();
    const values = (command.getOptionValue(attribute) as string[] | undefined) ?? [];
    return values.map((value) => `--${option.flag}=${value}`);
  });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
