import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installPlugin } from '../../../src/plugins';
import { snapshotFolder } from '../../helpers/folder-snapshot';
import { wikibioPackage } from '../../helpers/ndp-package';
import { PluginsFolder } from '../../helpers/plugins-folder';
import { OTHER_ZIP_TOOLS } from '../../helpers/other-zip-tools';
import { rawZip } from '../../helpers/raw-zip';
import { pickWith, seededRandom } from '../../helpers/seeded-random';

// A package damaged anywhere (a download cut short, a flipped bit, bytes overwritten, inserted or
// repeated), drawn from a seed, must either be refused as a package, manifest or module problem,
// leaving every file as it was, or install exactly the files that were packed: never other bytes,
// and never an error of another kind. A deflated package (yazl, as `plugin pack` writes them), a
// stored one, whose data no inflater checks, and packages written by zip tools we did not write
// (extra fields, data descriptors).

const MUTANTS = 300;
const REFUSALS = ['bad_package', 'bad_manifest', 'bad_module'];

/** Damages `bytes` at `at`, drawing what it needs from `random`. */
type Damage = (bytes: Buffer, at: number, random: () => number) => Buffer;

const DAMAGES: readonly Damage[] = [
  function flipBit(bytes, at, random) {
    const damaged = Buffer.from(bytes);
    damaged[at] ^= 1 << Math.floor(random() * 8);
    return damaged;
  },
  function overwrite(bytes, at, random) {
    const damaged = Buffer.from(bytes);
    for (let k = at; k < Math.min(bytes.length, at + 1 + Math.floor(random() * 16)); k++) damaged[k] = Math.floor(random() * 256);
    return damaged;
  },
  function truncate(bytes, at) {
    return bytes.subarray(0, at);
  },
  function insert(bytes, at, random) {
    const extra = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256)));
    return Buffer.concat([bytes.subarray(0, at), extra, bytes.subarray(at)]);
  },
  function repeat(bytes, at, random) {
    return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + 1 + Math.floor(random() * 64)), bytes.subarray(at)]);
  },
];

/**
 * Half the time anywhere (mostly file data, which the CRC-32s guard), else in the archive's own
 * records, where a few bytes decide how the rest is read: the first local header, or the central
 * directory and its end record (whose offset the end record holds; these packages have no comment).
 */
function position(bytes: Buffer, random: () => number): number {
  if (random() < 0.5) return Math.floor(random() * bytes.length);
  if (random() < 0.5) return Math.floor(random() * 64);
  const directory = bytes.readUInt32LE(bytes.length - 6);
  return directory + Math.floor(random() * (bytes.length - directory));
}

describe('a damaged package is refused or installs exactly what was packed', () => {
  let plugins: PluginsFolder;
  let files: Map<string, Buffer>;
  const packages: [string, () => Promise<Buffer> | Buffer][] = [
    ['deflated by yazl', wikibioPackage],
    ['stored', () => rawZip([...files].map(([name, data]) => ({ name, data, method: 0 })))],
    ...Object.entries(OTHER_ZIP_TOOLS).map(([tool, zip]): [string, () => Buffer] => [`written by ${tool}`, () => zip(files)]),
  ];

  beforeAll(async () => {
    plugins = new PluginsFolder();
    mkdirSync(path.join(plugins.root, 'packages'));
    // What the valid package holds: what an install of any of its mutants may write.
    const source = path.join(plugins.root, 'packages', 'source.ndp');
    writeFileSync(source, await wikibioPackage());
    const { folder } = await installPlugin(plugins.folder, source, { id: 'source' });
    files = new Map(readdirSync(folder).map((name) => [name, readFileSync(path.join(folder, name))]));
    rmSync(folder, { recursive: true });
  });
  afterAll(() => plugins.cleanup());

  it.each(packages)(`%s: ${MUTANTS} mutants`, async (_title, build) => {
    const random = seededRandom(20261127);
    const pick = pickWith(random);
    const original = await build();
    const outcomes = new Map<string, number>();
    for (let n = 0; n < MUTANTS; n++) {
      const damage = pick(DAMAGES);
      const file = path.join(plugins.root, 'packages', 'wikibio.ndp');
      writeFileSync(file, damage(original, position(original, random), random));
      const context = `mutant ${n} (${damage.name})`;
      const before = snapshotFolder(plugins.root);

      const outcome = await installPlugin(plugins.folder, file).then(
        (installed) => ({ installed }),
        (error: unknown) => ({ error }),
      );

      if ('error' in outcome) {
        const { name, kind } = outcome.error as { name?: string; kind?: string };
        expect({ context, name, refused: REFUSALS.includes(kind ?? '') }).toEqual({ context, name: 'NdpError', refused: true });
        expect({ context, files: snapshotFolder(plugins.root) }).toEqual({ context, files: before });
        outcomes.set(kind ?? '', (outcomes.get(kind ?? '') ?? 0) + 1);
      } else {
        const { folder } = outcome.installed;
        const written = new Map(readdirSync(folder).map((name) => [name, readFileSync(path.join(folder, name))]));
        expect({ context, written }).toEqual({ context, written: files });
        rmSync(folder, { recursive: true });
        outcomes.set('installed', (outcomes.get('installed') ?? 0) + 1);
      }
    }
    // The mutants reach both outcomes, so neither branch above is vacuous.
    expect(outcomes.get('bad_package')).toBeGreaterThan(0);
    expect(outcomes.get('installed')).toBeGreaterThan(0);
  });
});
