import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NdpError } from '../../src/errors';
import { Sandbox } from '../../src/runtime';
import { prepareModule, type PreparedModule } from '../../src/runtime/module-cache';
import { ModulePreparer } from '../../src/runtime/module-preparer';
import * as recyclable from '../../src/runtime/recyclable-module';
import { guestWat } from '../helpers/guest-wat';
import { EXAMPLE_PLUGINS, FIXTURE_PLUGINS } from '../helpers/paths';
import { pickWith, seededRandom } from '../helpers/seeded-random';
import { watToWasm } from '../helpers/wat';

// Loading checks and rewrites each module in a thread of its own (module-preparer.ts), so that a
// Go-sized plugin's 50-90 ms of it do not hold the thread serving gRPC. What comes back must be
// what the same steps give in this thread, refusals included, and the serving thread must not
// run them.

const RULES = { hostFunctions: ['get', 'post'], maxMemoryMiB: 8, maxTableEntries: 100_000 };
const DAMAGED = 60;
const plugin = (folder: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(path.join(folder, 'plugin.wasm')));

/** What a preparation gave, comparable across threads: a compiled module by its imports and exports. */
const outcome = (preparing: Promise<PreparedModule>): Promise<unknown> =>
  preparing.then(
    ({ module, functions, notRecyclable }) => ({
      imports: WebAssembly.Module.imports(module.module),
      exports: WebAssembly.Module.exports(module.module),
      recycle: module.recycle,
      functions,
      notRecyclable,
    }),
    (error: NdpError) => ({ error: { name: error.name, kind: error.kind, message: error.message, pluginId: error.pluginId } }),
  );

describe('the module preparer', () => {
  const preparer = new ModulePreparer();
  afterAll(() => preparer.close());

  it(`prepares modules as this thread does: the example plugins, one not recyclable, and ${DAMAGED} damaged copies`, async () => {
    const examples = [plugin(path.join(EXAMPLE_PLUGINS, 'wikibio')), plugin(path.join(EXAMPLE_PLUGINS, 'c-metadata')), plugin(path.join(FIXTURE_PLUGINS, 'fixture'))];
    const tableSetter = (await watToWasm(guestWat('(table.set (i32.const 0) (ref.null func)) (i64.const 0)', '(table 1 funcref)'))) as Uint8Array<ArrayBuffer>;
    const random = seededRandom(20261129);
    const pick = pickWith(random);
    const damaged = Array.from({ length: DAMAGED }, () => {
      const bytes = new Uint8Array(pick(examples));
      bytes[Math.floor(random() * Math.min(400, bytes.length))] ^= 1 << Math.floor(random() * 8);
      return bytes;
    });
    const seen = new Set<string>();
    for (const [n, bytes] of [...examples, tableSetter, ...damaged].entries()) {
      const there = await outcome(preparer.prepare(new Uint8Array(bytes), `module-${n}`, RULES));
      expect({ n, there }).toEqual({ n, there: await outcome(prepareModule(new Uint8Array(bytes), `module-${n}`, RULES)) });
      const { error, notRecyclable } = there as { error?: { kind: string }; notRecyclable?: string };
      seen.add(error ? error.kind : notRecyclable ? 'not recyclable' : 'recyclable');
    }
    // Each kind of outcome came back at least once.
    expect([...seen].sort()).toEqual(['bad_module', 'not recyclable', 'recyclable']);
  });

  it('prepares again after its idle thread was stopped', async () => {
    const fixture = plugin(path.join(FIXTURE_PLUGINS, 'fixture'));
    await preparer.prepare(fixture, 'fixture', RULES);
    // The thread stops 200 ms after its last module; a load after that starts another.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(outcome(preparer.prepare(fixture, 'fixture', RULES))).resolves.toEqual(await outcome(prepareModule(fixture, 'fixture', RULES)));
  });

  it('a Sandbox loads without running the rewrite on its own thread', async () => {
    const rewrite = jest.spyOn(recyclable, 'analyseForRecycling');
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    try {
      const fixture = plugin(path.join(FIXTURE_PLUGINS, 'fixture'));
      const module = await sandbox.load('fixture', fixture);
      expect(module.notRecyclable).toBeUndefined();
      expect(rewrite).not.toHaveBeenCalled();
      // The spy does see the rewrite where it runs in this thread.
      await prepareModule(fixture, 'fixture', RULES);
      expect(rewrite).toHaveBeenCalledTimes(1);
    } finally {
      rewrite.mockRestore();
      await sandbox.close();
    }
  });

  it('a preparer thread that cannot start fails the load with an internal error naming the plugin', async () => {
    const broken = new ModulePreparer(path.join(FIXTURE_PLUGINS, 'no-such-preparer.js'));
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        await expect(broken.prepare(plugin(path.join(FIXTURE_PLUGINS, 'fixture')), 'fixture', RULES)).rejects.toMatchObject({
          kind: 'internal',
          pluginId: 'fixture',
          message: expect.stringMatching(/^plugin fixture: the module preparer (crashed|exited)/),
        });
      }
    } finally {
      await broken.close();
    }
  });
});
