/**
 * util-linux's `chrt`, run for the pool by one long-lived shell rather than spawned by the
 * sidecar at each switch of policy. A spawn forks the whole sidecar: the kernel copies its page
 * tables (~200 MB mapped under load) and write-protects every page, and the serving thread then
 * takes a page fault on each page it writes next, its young generation and malloc heap included.
 * With this shell, and the switch back to normal moved off the call path (worker-scheduling.ts),
 * calls at c=16 with a pause before each run of them cost 12.5 us less (RATIONALE.md, "Why does
 * a shell run chrt for the pool?"). The shell is spawned once, while the pool is new and the
 * process small; it forks only itself.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** `--batch` or `--other`, as chrt takes them. */
export type ChrtPolicy = '--batch' | '--other';

/** What a request came to: undefined when chrt set the policy, else why not. */
type Outcome = (failure: string | undefined) => void;

interface Request {
  readonly policy: ChrtPolicy;
  readonly outcome: Outcome;
}

/**
 * Reads `<policy> <tid>` lines and answers each, in order, with `<status> <chrt's output>` (0:
 * set). A shell that cannot find chrt answers 127. EOF on its input (the sidecar gone, however)
 * ends it, so it never outlives the process that asked.
 */
// `set -- $out` (globbing off) splits chrt's output into words, so each answer is one line.
const LOOP = 'set -f; while read -r policy tid; do out=$(chrt "$policy" --pid 0 "$tid" 2>&1); status=$?; set -- $out; echo "$status $*"; done';
const NOT_FOUND = 127;

/** The shell's input and output are pipes: sockets, which can be unref'd. */
type Shell = ChildProcessByStdio<Socket, Socket, null>;

export class ChrtHelper {
  private child: Shell | undefined;
  /** Requests written and not yet answered, in the order the shell answers them. */
  private readonly waiting: Request[] = [];
  private closed = false;

  /** Starts the shell now, so that the fork happens while the caller is small, not at the first switch. */
  constructor() {
    this.child = this.start();
  }

  /** Sets a thread's policy; `outcome` is told whether it was set. */
  set(policy: ChrtPolicy, tid: number, outcome: Outcome): void {
    if (this.closed) return;
    // One that exited (killed from outside) is started again: a fork, but only then.
    const child = this.child ?? (this.child = this.start());
    this.waiting.push({ policy, outcome });
    child.stdin.write(`${policy} ${tid}\n`);
  }

  /** Ends the shell once it has answered what it was sent; later requests are dropped. */
  close(): void {
    this.closed = true;
    this.child?.stdin.end();
    this.child = undefined;
  }

  private start(): Shell {
    // By its path: the shell finds chrt on PATH, and says so when it cannot (127).
    const child = spawn('/bin/sh', ['-c', LOOP], { stdio: ['pipe', 'pipe', 'ignore'] }) as unknown as Shell;
    // Neither the shell nor its pipes keep the sidecar's event loop alive.
    child.unref();
    child.stdin.unref();
    child.stdout.unref();
    createInterface({ input: child.stdout }).on('line', (line) => this.answer(line));
    const gone = (reason: string): void => {
      if (this.child === child) this.child = undefined;
      for (const request of this.waiting.splice(0)) request.outcome(reason);
    };
    child.on('error', (error: NodeJS.ErrnoException) => gone(error.code === 'ENOENT' ? 'no /bin/sh to run chrt' : `the shell running chrt failed: ${error.message}`));
    // 'close', not 'exit': by then every answer it wrote has been read.
    child.on('close', () => gone('the shell running chrt exited'));
    // A write to a shell that has gone fails with EPIPE; 'close' above tells the waiting.
    child.stdin.on('error', () => {});
    return child;
  }

  private answer(line: string): void {
    const space = line.indexOf(' ');
    const status = Number(space < 0 ? line : line.slice(0, space));
    const output = space < 0 ? '' : line.slice(space + 1);
    const request = this.waiting.shift();
    if (request === undefined) return;
    if (status === 0) request.outcome(undefined);
    else request.outcome(status === NOT_FOUND ? 'chrt (util-linux) is not installed' : `chrt ${request.policy} failed: ${output || `status ${status}`}`);
  }
}
