import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { lstatOrUndefined, placeNew } from './place-entry';
import { discard, parseWorkName, type WorkKind } from './stage-entry';

/** What recovery does (or, for `plugin list`, would do) with one entry a cut-short change left. */
export interface Recovery {
  /** The plugin id the entry belongs to, when its name says. */
  readonly id?: string;
  /** The leftover entry. */
  readonly path: string;
  /**
   * `restored`: an update or dev replace was cut between its two renames and the plugin had
   * vanished; the old entry goes back under its id. `finished-removal`: a removal's set-aside
   * entry is deleted and no plugin has the id since, so what it held elsewhere (its timers) is
   * to be released too. `discarded`: work that was never published, or an old version already
   * replaced, is deleted. `kept`: an entry whose plugin id is unknown (an older ndphost named
   * them at random) is left for the user. `in-progress`: another process is still working on it.
   */
  readonly outcome: 'restored' | 'finished-removal' | 'discarded' | 'kept' | 'in-progress';
  /** One sentence for a log line or the CLI. */
  readonly message: string;
}

interface Step extends Recovery {
  carryOut(): Promise<Recovery>;
}

interface Leftover {
  readonly name: string;
  readonly path: string;
  readonly kind?: WorkKind;
  readonly id?: string;
  readonly pid?: number;
}

/**
 * Finishes or undoes what a crash (kill -9, power cut) left in the plugins folder: an update cut
 * between its two renames had made the plugin vanish, with `.ndp-old-*` and `.ndp-tmp-*` behind
 * forever (issue 8). Run at sidecar start and by the CLI commands that change the folder; a
 * leftover whose process is still alive is another command at work and is left alone.
 */
export async function recoverLeftovers(pluginsFolder: string): Promise<Recovery[]> {
  const steps = await planRecovery(pluginsFolder);
  const done: Recovery[] = [];
  for (const step of steps) done.push(await step.carryOut());
  return done;
}

/** What recoverLeftovers would do, changing nothing (for `plugin list`, which writes nothing). */
export async function describeLeftovers(pluginsFolder: string): Promise<Recovery[]> {
  return (await planRecovery(pluginsFolder)).map(({ id, path: where, outcome, message }) => ({ ...(id === undefined ? {} : { id }), path: where, outcome, message }));
}

async function planRecovery(pluginsFolder: string): Promise<Step[]> {
  const leftovers = await findLeftovers(pluginsFolder);
  const steps: Step[] = [];
  const replaced = new Map<string, Leftover[]>();
  for (const leftover of leftovers) {
    const { name, id, kind, pid } = leftover;
    if (pid !== undefined && isRunning(pid)) {
      steps.push(settled(leftover, 'in-progress', `${name} belongs to a change process ${pid} is still making; left alone`));
    } else if (kind === undefined) {
      steps.push(
        name.startsWith('.ndp-tmp-')
          ? discarding(leftover, 'discarded', `discarded ${name}, a staged plugin an older ndphost never published`)
          : settled(leftover, 'kept', `${name} is a plugin entry an older ndphost set aside during an update or removal that was cut short; its plugin id is unknown: rename it to that id to restore it, or delete it`),
      );
    } else if (kind === 'tmp') {
      steps.push(discarding(leftover, 'discarded', `discarded ${name}, a staged copy of ${id} that a cut-short install or update never published`));
    } else if (kind === 'del') {
      const reinstalled = await lstatOrUndefined(path.join(pluginsFolder, id!));
      steps.push(discarding(leftover, reinstalled ? 'discarded' : 'finished-removal', `finished the removal of ${id} that was cut short (${name})`));
    } else {
      replaced.set(id!, [...(replaced.get(id!) ?? []), leftover]);
    }
  }
  for (const [id, asides] of replaced) steps.push(...(await planReplaced(pluginsFolder, id, asides)));
  return steps;
}

/** Entries set aside by replaces of one plugin: restore one if the plugin vanished, drop the rest. */
async function planReplaced(pluginsFolder: string, id: string, asides: readonly Leftover[]): Promise<Step[]> {
  const target = path.join(pluginsFolder, id);
  const stale = (leftover: Leftover): Step => discarding(leftover, 'discarded', `discarded ${leftover.name}, the version of ${id} an update that finished had replaced`);
  if (await lstatOrUndefined(target)) return asides.map(stale);
  // Several can only come from several cut-short updates; the one set aside last is the newest.
  const times = await Promise.all(asides.map(async (leftover) => (await lstatOrUndefined(leftover.path))?.ctimeMs ?? 0));
  const newest = asides[times.indexOf(Math.max(...times))];
  const message = `restored ${id} from ${newest.name}: an update was cut short between its two renames and the plugin had vanished; the version it was replacing is back`;
  const restore: Step = {
    id,
    path: newest.path,
    outcome: 'restored',
    message,
    carryOut: async () =>
      (await placeNew(newest.path, target))
        ? { id, path: newest.path, outcome: 'restored', message }
        : { id, path: newest.path, outcome: 'kept', message: `${newest.name} holds a version of ${id}, but ${target} appeared meanwhile; left as it is` },
  };
  return [restore, ...asides.filter((leftover) => leftover !== newest).map(stale)];
}

async function findLeftovers(pluginsFolder: string): Promise<Leftover[]> {
  const names = await readdir(pluginsFolder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names
    .filter((name) => name.startsWith('.ndp-'))
    .sort()
    .map((name) => ({ name, path: path.join(pluginsFolder, name), ...parseWorkName(name) }));
}

function settled(leftover: Leftover, outcome: Recovery['outcome'], message: string, carryOut?: () => Promise<void>): Step {
  const recovery: Recovery = { ...(leftover.id === undefined ? {} : { id: leftover.id }), path: leftover.path, outcome, message };
  return {
    ...recovery,
    carryOut: async () => {
      await carryOut?.();
      return recovery;
    },
  };
}

function discarding(leftover: Leftover, outcome: Recovery['outcome'], message: string): Step {
  return settled(leftover, outcome, message, () => discard(leftover.path));
}

/** True while a process with this id exists (EPERM: it exists, under another user). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
