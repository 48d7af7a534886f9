import path from 'node:path';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** generated/descriptor-set.binpb: every .proto of the buf workspace, as `buf build` compiled it. */
export const DESCRIPTOR_SET_FILE = path.resolve(__dirname, '..', '..', '..', 'generated', 'descriptor-set.binpb');

/** FileDescriptorSet.file and FileDescriptorProto.name (descriptor.proto). */
const FILE_FIELD = 1;
const NAME_FIELD = 1;

/** The raw bytes of each FileDescriptorSet.file entry, in the compiler's (dependency) order. */
export function compiledFiles(set: Uint8Array): Uint8Array[] {
  const reader = new BinaryReader(set);
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === FILE_FIELD && wireType === WireType.LengthDelimited) files.push(reader.bytes());
    else reader.skip(wireType);
  }
  return files;
}

/** A compiled file's name, read without decoding the rest of it (protoc and buf write it first). */
export function compiledFileName(file: Uint8Array): string | undefined {
  const reader = new BinaryReader(file);
  const [field, wireType] = reader.tag();
  return field === NAME_FIELD && wireType === WireType.LengthDelimited ? reader.string() : undefined;
}
