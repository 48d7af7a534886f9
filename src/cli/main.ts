#!/usr/bin/env node
// First, before anything loads node:http2 (internalize-header-names.ts says why).
import '../server/internalize-header-names';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { withUsageConventions } from './cli-context';
import { pluginCommand } from './plugin-command';
import { serveCommand } from './serve-command';

// dist/src/cli/main.js -> the package root, where package.json is in a checkout and in a package.
const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };

const program = new Command('ndphost')
  .description('a gRPC sidecar that runs sandboxed WebAssembly plugins over the Navidrome plugin contract')
  .version(version, '-V, --version', 'print the version and exit')
  .addCommand(serveCommand())
  .addCommand(pluginCommand());

void withUsageConventions(program).parseAsync(process.argv);
