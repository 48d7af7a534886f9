import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, ScalarType, type DescField, type DescMessage, type FileRegistry } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { compiledFileName, compiledFiles, DESCRIPTOR_SET_FILE } from './descriptor-files';

/** The file of the contract's services, which imports nothing. */
const CONTRACT_FILE = 'api.proto';

/** For each field number a message declares: a bit per wire type it may arrive in, and its message's layout. */
type Layout = Map<number, FieldRule>;

interface FieldRule {
  readonly wireTypes: number;
  readonly layout?: Layout;
}

/**
 * A test that every field a message declares arrives, at any depth, in a wire type its declared
 * type allows; fields it does not declare are not looked at. The generated decoders skip a
 * declared field in another wire type as if it were unknown, as Go's and Python's do, but the
 * decoders many plugins are built with (as-proto's among them) read it by its number alone and
 * misread what follows: bytes that fail this test are not passed on as they are. Built from
 * the compiled descriptors by loadWireTypes (at start), or on first use without it.
 */
export function wireTypeTest(service: string, method: string, side: 'input' | 'output'): (bytes: Uint8Array) => boolean {
  let layout: Layout | undefined;
  const build = (): Layout => (layout ??= layoutOf(messageOf(service, method, side)));
  unbuilt.push(build);
  return (bytes) => {
    try {
      return fits(bytes, layout ?? build());
    } catch {
      return false;
    }
  };
}

let registry: FileRegistry | undefined;
/** The tests made before the descriptors were read, built once they are. */
const unbuilt: (() => unknown)[] = [];
/** Every message type's layout so far, by full name: types that several rpcs hold are laid out once. */
const layouts = new Map<string, Layout>();

/**
 * Reads the compiled descriptors and builds every test from them, at start rather than in a
 * first call: api.proto's alone (in a fresh process, 12 ms against 32 for the whole set).
 */
export function loadWireTypes(): void {
  descriptors();
  for (const build of unbuilt.splice(0)) build();
}

function descriptors(): FileRegistry {
  if (registry) return registry;
  const file = compiledFiles(readFileSync(DESCRIPTOR_SET_FILE)).find((bytes) => compiledFileName(bytes) === CONTRACT_FILE);
  if (!file) throw new Error(`${DESCRIPTOR_SET_FILE} has no ${CONTRACT_FILE}: it is out of date (run npm run generate)`);
  return (registry = createFileRegistry(fromBinary(FileDescriptorProtoSchema, file), () => undefined));
}

function messageOf(service: string, method: string, side: 'input' | 'output'): DescMessage {
  const found = descriptors().getService(service)?.methods.find((candidate) => candidate.name === method);
  if (!found) throw new Error(`${service}/${method} is not in ${DESCRIPTOR_SET_FILE}: it is out of date (run npm run generate)`);
  return found[side];
}

function fits(bytes: Uint8Array, layout: Layout): boolean {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const rule = layout.get(number);
    if (rule !== undefined) {
      if ((rule.wireTypes & (1 << wireType)) === 0) return false;
      if (rule.layout !== undefined && wireType === WireType.LengthDelimited) {
        if (!fits(reader.bytes(), rule.layout)) return false;
        continue;
      }
    }
    reader.skip(wireType, number);
  }
  return true;
}

/** Cycles (a message that holds its own type) end at the layout already begun. */
function layoutOf(message: DescMessage): Layout {
  const known = layouts.get(message.typeName);
  if (known) return known;
  const layout: Layout = new Map();
  layouts.set(message.typeName, layout);
  for (const field of message.fields) layout.set(field.number, ruleOf(field));
  return layout;
}

function ruleOf(field: DescField): FieldRule {
  switch (field.fieldKind) {
    case 'scalar':
      return { wireTypes: bit(wireTypeOf(field.scalar)) };
    case 'enum':
      return { wireTypes: bit(WireType.Varint) };
    case 'message':
      return messageRule(field.message, field.delimitedEncoding);
    case 'list':
      if (field.listKind === 'message') return messageRule(field.message, field.delimitedEncoding);
      // A repeated number may come packed (length-delimited) or one by one, whichever it was declared.
      return { wireTypes: bit(field.listKind === 'enum' ? WireType.Varint : wireTypeOf(field.scalar)) | bit(WireType.LengthDelimited) };
    case 'map': {
      const entry: Layout = new Map([[1, { wireTypes: bit(wireTypeOf(field.mapKey)) }]]);
      entry.set(2, field.mapKind === 'message' ? messageRule(field.message, false) : { wireTypes: bit(field.mapKind === 'enum' ? WireType.Varint : wireTypeOf(field.scalar)) });
      return { wireTypes: bit(WireType.LengthDelimited), layout: entry };
    }
  }
}

function messageRule(message: DescMessage, delimited: boolean): FieldRule {
  // A group's contents are skipped whole: proto3 has none, and editions' delimited messages are rare.
  return delimited ? { wireTypes: bit(WireType.StartGroup) } : { wireTypes: bit(WireType.LengthDelimited), layout: layoutOf(message) };
}

function bit(wireType: WireType): number {
  return 1 << wireType;
}

function wireTypeOf(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}
