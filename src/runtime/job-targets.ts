/**
 * The job targets (module, plugin, export) the pool has seen, numbered once each: a job slot
 * names its target by number, and each worker is sent a target the first time it meets it.
 * Looked up by the job's own strings, level by level, rather than by a key string built per
 * job: concatenating a 64-character hash and hashing the result was a measurable part of the
 * pool's work per call (issue 10).
 */
export class JobTargets {
  private readonly byHash = new Map<string, Map<string, Map<string, number>>>();
  private count = 0;

  /** The target's number, numbering it if it is new. */
  index(hash: string, pluginId: string, exportName: string): number {
    let byPlugin = this.byHash.get(hash);
    if (byPlugin === undefined) this.byHash.set(hash, (byPlugin = new Map()));
    let byExport = byPlugin.get(pluginId);
    if (byExport === undefined) byPlugin.set(pluginId, (byExport = new Map()));
    let index = byExport.get(exportName);
    if (index === undefined) byExport.set(exportName, (index = this.count++));
    return index;
  }
}
