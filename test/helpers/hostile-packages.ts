import type { ErrorKind } from '../../src/errors';
import type { PackageLimits } from '../../src/plugins';
import { scrobblerWasm, wikibioFiles, wikibioManifest, yazlZip } from './ndp-package';
import { rawZip } from './raw-zip';

/** One package install and update must refuse, with what they must say about it. */
export interface HostilePackage {
  readonly title: string;
  readonly build: () => Promise<Buffer> | Buffer;
  readonly kind: ErrorKind;
  readonly message: RegExp;
  readonly limits?: Partial<PackageLimits>;
}

const MiB = 1024 * 1024;

const valid = () => {
  const { manifest, wasm } = wikibioFiles();
  return [
    { name: 'manifest.json', data: manifest },
    { name: 'plugin.wasm', data: wasm },
  ];
};
const validPairs = (): [string, Buffer][] => {
  const { manifest, wasm } = wikibioFiles();
  return [
    ['manifest.json', manifest],
    ['plugin.wasm', wasm],
  ];
};

// 65 MiB of zeros deflates to about 64 KiB; built once, shared by the install and update tables.
let bomb: Promise<Buffer> | undefined;
const zipBomb = (): Promise<Buffer> => (bomb ??= yazlZip([...validPairs(), ['README.md', Buffer.alloc(65 * MiB)]]));

/** Every way a package is refused, one row each (issue 5). */
export const HOSTILE_PACKAGES: readonly HostilePackage[] = [
  { title: 'an entry named ../evil', build: () => rawZip([...valid(), { name: '../evil', data: 'pwned' }]), kind: 'bad_package', message: /entry "\.\.\/evil" has a "\.\." path segment/ },
  { title: 'an entry that climbs out from a folder', build: () => rawZip([...valid(), { name: 'docs/../../evil', data: 'pwned' }]), kind: 'bad_package', message: /entry "docs\/\.\.\/\.\.\/evil" has a "\.\." path segment/ },
  { title: 'an absolute entry name', build: () => rawZip([...valid(), { name: '/tmp/evil', data: 'pwned' }]), kind: 'bad_package', message: /entry "\/tmp\/evil" is an absolute path/ },
  { title: 'a drive letter', build: () => rawZip([...valid(), { name: 'C:/evil', data: 'pwned' }]), kind: 'bad_package', message: /entry "C:\/evil" starts with a drive letter/ },
  { title: 'a drive-relative name', build: () => rawZip([...valid(), { name: 'c:evil', data: 'pwned' }]), kind: 'bad_package', message: /entry "c:evil" starts with a drive letter/ },
  { title: 'a backslash traversal', build: () => rawZip([...valid(), { name: '..\\evil', data: 'pwned' }]), kind: 'bad_package', message: /entry "\.\.\\\\evil" has a backslash/ },
  { title: 'a NUL in a name', build: () => rawZip([...valid(), { name: 'README.md\0.txt', data: 'x' }]), kind: 'bad_package', message: /has a NUL character/ },
  {
    title: 'a symlink entry',
    build: () => rawZip([...valid(), { name: 'README.md', data: '/etc/passwd', method: 0, unixMode: 0o120777 }]),
    kind: 'bad_package',
    message: /entry "README\.md" is a symbolic link/,
  },
  { title: 'a device entry', build: () => rawZip([...valid(), { name: 'LICENSE', data: '', method: 0, unixMode: 0o020644 }]), kind: 'bad_package', message: /entry "LICENSE" is a special file/ },
  {
    title: 'a duplicate manifest.json',
    build: () => rawZip([...valid(), { name: 'manifest.json', data: wikibioManifest({ version: '6.6.6' }) }]),
    kind: 'bad_package',
    message: /holds manifest\.json twice/,
  },
  { title: 'no manifest.json', build: () => yazlZip([['plugin.wasm', wikibioFiles().wasm]]), kind: 'bad_package', message: /has no manifest\.json at its root/ },
  { title: 'no plugin.wasm', build: () => yazlZip([['manifest.json', wikibioFiles().manifest]]), kind: 'bad_package', message: /has no plugin\.wasm at its root/ },
  { title: 'an empty ZIP', build: () => yazlZip([]), kind: 'bad_package', message: /has no manifest\.json at its root/ },
  {
    title: 'the files inside a folder',
    build: () => yazlZip(validPairs().map(([name, data]) => [`wikibio/${name}`, data] as const)),
    kind: 'bad_package',
    message: /entry "wikibio\/manifest\.json" is not allowed: a package holds only manifest\.json, plugin\.wasm, README\.md, LICENSE, at its root/,
  },
  { title: 'a folder entry', build: () => yazlZip([...validPairs(), ['docs/', '']]), kind: 'bad_package', message: /entry "docs\/" is a folder/ },
  { title: 'an unknown extra file', build: () => yazlZip([...validPairs(), ['notes.txt', 'hi']]), kind: 'bad_package', message: /entry "notes\.txt" is not allowed/ },
  { title: 'a name in the wrong case', build: () => yazlZip([['Manifest.json', wikibioFiles().manifest], ['plugin.wasm', wikibioFiles().wasm]]), kind: 'bad_package', message: /entry "Manifest\.json" is not allowed/ },
  {
    title: 'too many entries',
    build: () => yazlZip(Array.from({ length: 17 }, (_, i) => [`file-${i}.txt`, 'x'] as const)),
    kind: 'bad_package',
    message: /lists 17 entries; at most 16 are allowed/,
  },
  {
    title: 'a file over the per-file cap',
    build: () => yazlZip([...validPairs(), ['README.md', Buffer.alloc(40_000, 'a')]]),
    limits: { maxFileBytes: 30_000 },
    kind: 'bad_package',
    message: /entry "README\.md" is 40000 bytes, over the 30000-byte cap for one file/,
  },
  { title: 'a zip bomb over the default 64 MiB per-file cap', build: zipBomb, kind: 'bad_package', message: /entry "README\.md" is 68157440 bytes, over the 67108864-byte cap for one file/ },
  {
    title: 'files over the total cap',
    build: () => yazlZip([...validPairs(), ['README.md', Buffer.alloc(25_000, 'a')]]),
    limits: { maxTotalBytes: 50_000 },
    kind: 'bad_package',
    message: /inflate to more than the 50000-byte cap for a whole package/,
  },
  {
    title: 'a deflated file whose header understates its size',
    build: () => rawZip([...valid(), { name: 'README.md', data: Buffer.alloc(MiB), declaredSize: 10 }]),
    limits: { maxFileBytes: 100_000 },
    kind: 'bad_package',
    message: /entry "README\.md" (cannot be read: too many bytes in the stream|inflates to more than)/,
  },
  {
    title: 'a stored file whose header understates its size',
    build: () => rawZip([...valid(), { name: 'README.md', data: Buffer.alloc(MiB), method: 0, declaredSize: 10 }]),
    kind: 'bad_package',
    message: /size mismatch for stored file/,
  },
  {
    title: 'a stored file whose bytes do not match their CRC-32',
    build: () => rawZip([...valid(), { name: 'README.md', data: 'hello', method: 0, declaredCrc: 0x3610a686 ^ 1 }]),
    kind: 'bad_package',
    message: /entry "README\.md" is damaged: its bytes have CRC-32 0x3610a686, the archive lists 0x3610a687/,
  },
  {
    title: 'a deflated plugin.wasm whose bytes do not match their CRC-32',
    build: () => rawZip([{ name: 'manifest.json', data: wikibioFiles().manifest }, { name: 'plugin.wasm', data: wikibioFiles().wasm, declaredCrc: 0 }]),
    kind: 'bad_package',
    message: /entry "plugin\.wasm" is damaged: its bytes have CRC-32 0x[0-9a-f]{8}, the archive lists 0x00000000/,
  },
  { title: 'an encrypted entry', build: () => rawZip([...valid(), { name: 'LICENSE', data: 'MIT', flags: 0x1 }]), kind: 'bad_package', message: /entry "LICENSE" is encrypted/ },
  {
    title: 'an unsupported compression method',
    build: () => rawZip([...valid(), { name: 'LICENSE', data: 'MIT', method: 12 }]),
    kind: 'bad_package',
    message: /entry "LICENSE" uses compression method 12; only stored \(0\) and deflate \(8\) are supported/,
  },
  { title: 'a text file', build: () => Buffer.from('this is not a zip\n'), kind: 'bad_package', message: /is not a ZIP archive/ },
  {
    title: 'a truncated ZIP',
    build: async () => {
      const whole = await yazlZip(validPairs());
      return whole.subarray(0, whole.length - 30);
    },
    kind: 'bad_package',
    message: /ZIP archive/,
  },
  { title: 'a manifest that is not JSON', build: () => yazlZip([['manifest.json', '{ "name": '], ['plugin.wasm', wikibioFiles().wasm]]), kind: 'bad_manifest', message: /manifest\.json is not valid JSON/ },
  {
    title: 'a manifest missing a field',
    build: () => {
      const { author: _author, ...manifest } = JSON.parse(wikibioFiles().manifest.toString('utf8')) as Record<string, unknown>;
      return yazlZip([['manifest.json', JSON.stringify(manifest)], ['plugin.wasm', wikibioFiles().wasm]]);
    },
    kind: 'bad_manifest',
    message: /field "author" must have required property 'author'/,
  },
  { title: 'a manifest with an unknown service', build: () => yazlZip([['manifest.json', wikibioManifest({ services: ['Radio'] })], ['plugin.wasm', wikibioFiles().wasm]]), kind: 'bad_manifest', message: /field "services\[0\]"/ },
  { title: 'a manifest that is not UTF-8', build: () => yazlZip([['manifest.json', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])], ['plugin.wasm', wikibioFiles().wasm]]), kind: 'bad_manifest', message: /manifest\.json is not valid UTF-8/ },
  { title: 'a wasm that does not compile', build: () => yazlZip([['manifest.json', wikibioFiles().manifest], ['plugin.wasm', 'not wasm at all']]), kind: 'bad_module', message: /plugin\.wasm does not compile/ },
  {
    title: "a wasm without a declared service's exports",
    build: () => yazlZip([['manifest.json', wikibioFiles().manifest], ['plugin.wasm', scrobblerWasm()]]),
    kind: 'bad_module',
    message: /declares MetadataAgent, but export \w+ is not exported/,
  },
];
