import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileModule } from '../../src/runtime/module-cache';
import { EXAMPLE_PLUGINS, FIXTURE_PLUGINS } from '../helpers/paths';
import { pickWith, seededRandom } from '../helpers/seeded-random';

// Plugins damaged at random (bits flipped, bytes overwritten; half of them in the module's first
// 400 bytes, where its types, imports and exports are), drawn from a seed, through the loader's
// own compileModule: each is loaded or refused as `bad_module`, never an error of another kind,
// and none that V8 calls invalid wasm is loaded, whatever the sandbox's rewrite of it would be.

const MUTANTS = 800;
const RULES = { hostFunctions: ['get', 'post', 'register_timer', 'cancel_timer', 'get_plugin_config'], maxMemoryMiB: 8, maxTableEntries: 100_000 };

describe('a damaged plugin.wasm is refused as bad_module or loads, and only valid wasm loads', () => {
  const modules = [path.join(EXAMPLE_PLUGINS, 'wikibio'), path.join(EXAMPLE_PLUGINS, 'c-metadata'), path.join(FIXTURE_PLUGINS, 'fixture'), path.join(FIXTURE_PLUGINS, 'timer-fixture')].map((folder) =>
    readFileSync(path.join(folder, 'plugin.wasm')),
  );

  it(`${MUTANTS} mutants of the example and fixture plugins`, async () => {
    const random = seededRandom(20261127);
    const pick = pickWith(random);
    const int = (below: number): number => Math.floor(random() * below);
    const outcomes = new Map<string, number>();
    for (let n = 0; n < MUTANTS; n++) {
      const bytes = new Uint8Array(pick(modules));
      const at = random() < 0.5 ? int(Math.min(400, bytes.length)) : int(bytes.length);
      if (random() < 0.5) bytes[at] ^= 1 << int(8);
      else for (let k = at; k < Math.min(bytes.length, at + 1 + int(4)); k++) bytes[k] = int(256);
      const valid = WebAssembly.validate(bytes);

      const outcome = await compileModule(bytes, `mutant-${n}`, RULES).then(
        () => 'loaded',
        (error: { name?: string; kind?: string; message?: string }) => (error.name === 'NdpError' ? error.kind ?? '' : `${error.name}: ${error.message}`),
      );

      // What the loader did, an invalid module that loaded told apart.
      const verdict = outcome === 'loaded' && !valid ? 'invalid wasm loaded' : outcome;
      expect({ n, at, verdict }).toEqual({ n, at, verdict: outcome === 'loaded' ? 'loaded' : 'bad_module' });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Both outcomes are reached, so neither check above is vacuous.
    expect(outcomes.get('loaded')).toBeGreaterThan(MUTANTS / 10);
    expect(outcomes.get('bad_module')).toBeGreaterThan(MUTANTS / 10);
  });
});
