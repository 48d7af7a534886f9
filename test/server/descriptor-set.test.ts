import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { DescriptorSet } from '../../src/server/descriptor-set';
import { REPO_ROOT } from '../helpers/paths';

// The index reflection answers from, over a set that buf compiles here from a small module with
// the shapes api.proto lacks: imports, extensions, nested types and enums.
const FILES: Record<string, string> = {
  'base/base.proto': `syntax = "proto2";
package base;
message Base { extensions 100 to 200; optional string id = 1; }
message Unextended { optional string id = 1; }`,
  'ext/ext.proto': `syntax = "proto2";
package ext;
import "base/base.proto";
extend base.Base { optional string tag = 100; }
message Outer {
  extend base.Base { optional int32 rank = 150; }
  message Inner { optional string name = 1; }
  enum Colour { RED = 0; GREEN = 1; }
  oneof choice { string text = 2; int32 number = 3; }
}
enum Mode { MODE_UNSPECIFIED = 0; MODE_FAST = 1; }
service Thing { rpc Do(Outer) returns (base.Base); }`,
  'top/top.proto': `syntax = "proto3";
package top;
import "ext/ext.proto";
message Top { ext.Outer outer = 1; }`,
};

function buildSet(): Uint8Array {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-descriptors-'));
  try {
    writeFileSync(path.join(folder, 'buf.yaml'), 'version: v2\n');
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(path.join(folder, path.dirname(name)), { recursive: true });
      writeFileSync(path.join(folder, name), text);
    }
    const out = path.join(folder, 'set.binpb');
    const buf = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'buf'), ['build', '--as-file-descriptor-set', '-o', out], { cwd: folder, encoding: 'utf8' });
    if (buf.status !== 0) throw new Error(`buf build failed: ${buf.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const fileName = (bytes: Uint8Array): string => fromBinary(FileDescriptorProtoSchema, bytes).name;

describe('DescriptorSet: the compiled descriptors, indexed for reflection', () => {
  const set = new DescriptorSet(buildSet());

  it.each([
    ['ext.Outer', 'ext/ext.proto'],
    ['ext.Outer.Inner', 'ext/ext.proto'],
    ['ext.Outer.Inner.name', 'ext/ext.proto'],
    ['ext.Outer.choice', 'ext/ext.proto'],
    ['ext.Outer.Colour', 'ext/ext.proto'],
    ['ext.Outer.GREEN', 'ext/ext.proto'],
    ['ext.MODE_FAST', 'ext/ext.proto'],
    ['ext.tag', 'ext/ext.proto'],
    ['ext.Outer.rank', 'ext/ext.proto'],
    ['ext.Thing', 'ext/ext.proto'],
    ['ext.Thing.Do', 'ext/ext.proto'],
    ['base.Base.id', 'base/base.proto'],
    ['top.Top', 'top/top.proto'],
  ])('finds the file declaring %s', (symbol, file) => {
    expect(set.fileContainingSymbol(symbol)).toBe(file);
  });

  it('knows no symbol that is not declared, packages included', () => {
    expect(set.fileContainingSymbol('ext.Outer.Colour.GREEN')).toBeUndefined();
    expect(set.fileContainingSymbol('ext')).toBeUndefined();
    expect(set.fileContainingSymbol('.ext.Outer')).toBeUndefined();
  });

  it('finds extensions by extended type and number, file-level and nested', () => {
    expect(set.fileContainingExtension('base.Base', 100)).toBe('ext/ext.proto');
    expect(set.fileContainingExtension('base.Base', 150)).toBe('ext/ext.proto');
    expect(set.fileContainingExtension('base.Base', 101)).toBeUndefined();
    expect(set.extensionNumbers('base.Base')?.sort()).toEqual([100, 150]);
    expect(set.extensionNumbers('base.Unextended')).toEqual([]);
    expect(set.extensionNumbers('no.Such')).toBeUndefined();
  });

  it('lists every service', () => {
    expect([...set.services]).toEqual(['ext.Thing']);
  });

  it('answers a file first, then its transitive imports, each once per stream', () => {
    const sent = new Set<string>();
    expect(set.withDependencies('top/top.proto', sent).map(fileName)).toEqual(['top/top.proto', 'ext/ext.proto', 'base/base.proto']);
    // Asked again on the same stream: the file itself always, its imports not again.
    expect(set.withDependencies('top/top.proto', sent).map(fileName)).toEqual(['top/top.proto']);
    expect(set.withDependencies('ext/ext.proto', new Set()).map(fileName)).toEqual(['ext/ext.proto', 'base/base.proto']);
  });

  it('serves the bytes buf wrote, untouched', () => {
    const raw = Buffer.from(buildSet());
    for (const bytes of set.withDependencies('top/top.proto', new Set())) expect(raw.includes(bytes)).toBe(true);
  });
});
