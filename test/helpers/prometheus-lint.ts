import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDebianPackages } from './debian-packages';
import { goBuild } from './go-client';
import { REPO_ROOT } from './paths';
import { runProgram } from './run-program';

/** What Prometheus's own Go libraries make of a text exposition (test/interop/go/metrics_lint.go). */
export interface PrometheusLint {
  /** The metric families expfmt's TextParser found. */
  readonly families: string[];
  /** Its error, or promlint's, when the text does not parse; empty otherwise. */
  readonly parseError: string;
  /** What promlint, the linter behind `promtool check metrics`, says of each metric. */
  readonly problems: { readonly metric: string; readonly text: string }[];
}

/** Builds the linter offline from Debian's client_golang and common (GOPATH mode) and runs it on `text`. */
export async function lintWithPrometheus(text: string): Promise<PrometheusLint> {
  requireDebianPackages('Metrics lint');
  const gopath = mkdtempSync(path.join(os.tmpdir(), 'ndphost-promlint-'));
  try {
    const program = path.join(gopath, 'src', 'ndphost.local', 'metricslint');
    mkdirSync(program, { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'test', 'interop', 'go', 'metrics_lint.go'), path.join(program, 'main.go'));
    const binary = path.join(gopath, 'bin', 'metricslint');
    goBuild(gopath, 'ndphost.local/metricslint', binary);
    return JSON.parse(await runProgram(binary, [], { stdin: text })) as PrometheusLint;
  } finally {
    rmSync(gopath, { recursive: true, force: true });
  }
}
