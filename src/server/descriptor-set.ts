import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { compiledFiles, DESCRIPTOR_SET_FILE } from '../contract';
import { NdpError } from '../errors';

/** One compiled .proto file: the bytes exactly as the compiler wrote them, and its imports. */
interface CompiledFile {
  readonly bytes: Buffer;
  readonly dependencies: readonly string[];
}

/**
 * The compiled descriptors, indexed the way server reflection asks for them: by file name, by
 * fully-qualified symbol, by extension. Files are served as the bytes buf wrote, never decoded
 * and re-encoded, so what a client validates is what the compiler checked (RATIONALE.md).
 */
export class DescriptorSet {
  private readonly files = new Map<string, CompiledFile>();
  /** Fully-qualified name (no leading dot) of every declaration -> the file declaring it. */
  private readonly symbols = new Map<string, string>();
  /** Extended message -> extension number -> the file declaring the extension. */
  private readonly extensions = new Map<string, Map<number, string>>();
  /** Every service, by fully-qualified name. */
  readonly services = new Set<string>();

  constructor(set: Uint8Array) {
    for (const bytes of compiledFiles(set)) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      this.files.set(file.name, { bytes: Buffer.from(bytes), dependencies: file.dependency });
      this.index(file);
    }
  }

  /** Reads and indexes a FileDescriptorSet file; throws `internal` when it is missing or broken. */
  static load(file = DESCRIPTOR_SET_FILE): DescriptorSet {
    try {
      return new DescriptorSet(readFileSync(file));
    } catch (error) {
      throw new NdpError('internal', `cannot read the compiled descriptors ${file} (run npm run generate): ${(error as Error).message}`, { path: file, cause: error });
    }
  }

  /** The file that declares a message, enum, field, service, method, ... by its full name. */
  fileContainingSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol);
  }

  fileContainingExtension(extendee: string, number: number): string | undefined {
    return this.extensions.get(extendee)?.get(number);
  }

  /** Extension numbers of a message type: empty when it has none, undefined when it is no message. */
  extensionNumbers(messageType: string): number[] | undefined {
    if (!this.symbols.has(messageType)) return undefined;
    return [...(this.extensions.get(messageType)?.keys() ?? [])];
  }

  has(fileName: string): boolean {
    return this.files.has(fileName);
  }

  /**
   * The file's bytes first, then those of its transitive imports that `sent` does not hold yet,
   * marking each as sent: grpc-go's reflection answers the same way, so a client reading one
   * stream gets every file once and the file it asked for every time.
   */
  withDependencies(fileName: string, sent: Set<string>): Buffer[] {
    const answer: Buffer[] = [];
    const queue = [fileName];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const file = this.files.get(name);
      if (!file) continue;
      if (answer.length === 0 || !sent.has(name)) {
        sent.add(name);
        answer.push(file.bytes);
        queue.push(...file.dependencies);
      }
    }
    return answer;
  }

  private index(file: FileDescriptorProto): void {
    const prefix = file.package ? `${file.package}.` : '';
    const declare = (name: string): void => void this.symbols.set(name, file.name);
    const indexMessage = (message: DescriptorProto, scope: string): void => {
      const name = scope + message.name;
      declare(name);
      for (const field of message.field) declare(`${name}.${field.name}`);
      for (const oneof of message.oneofDecl) declare(`${name}.${oneof.name}`);
      for (const extension of message.extension) this.indexExtension(`${name}.${extension.name}`, extension.extendee, extension.number, file.name);
      for (const nested of message.nestedType) indexMessage(nested, `${name}.`);
      for (const nested of message.enumType) indexEnum(nested.name, nested.value, `${name}.`);
    };
    // Enum values are scoped beside their enum, not inside it (descriptor.proto, EnumValueDescriptorProto).
    const indexEnum = (name: string, values: readonly { name: string }[], scope: string): void => {
      declare(scope + name);
      for (const value of values) declare(scope + value.name);
    };
    for (const message of file.messageType) indexMessage(message, prefix);
    for (const enumType of file.enumType) indexEnum(enumType.name, enumType.value, prefix);
    for (const extension of file.extension) this.indexExtension(prefix + extension.name, extension.extendee, extension.number, file.name);
    for (const service of file.service) {
      const name = prefix + service.name;
      declare(name);
      this.services.add(name);
      for (const method of service.method) declare(`${name}.${method.name}`);
    }
  }

  private indexExtension(name: string, extendee: string, number: number, fileName: string): void {
    this.symbols.set(name, fileName);
    // Type references in a compiled descriptor are fully qualified with a leading dot.
    const type = extendee.replace(/^\./, '');
    const numbers = this.extensions.get(type) ?? new Map<number, string>();
    numbers.set(number, fileName);
    this.extensions.set(type, numbers);
  }
}
