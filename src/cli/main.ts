#!/usr/bin/env node
import { Command } from 'commander';
import { EXIT_USAGE } from './exit-codes';
import { pluginCommand } from './plugin-command';
import { serveCommand } from './serve-command';

const program = new Command('ndphost')
  .description('a gRPC sidecar that runs sandboxed WebAssembly plugins over the Navidrome plugin contract')
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
  .addCommand(serveCommand())
  .addCommand(pluginCommand());

void program.parseAsync(process.argv);
