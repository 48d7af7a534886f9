import { status, type Server, type ServerDuplexStream } from '@grpc/grpc-js';
import { NdpError } from '../errors';
import { ServerReflectionService as ReflectionV1, type ServerReflectionRequest, type ServerReflectionResponse } from '../../generated/ts/grpc/reflection/v1/reflection';
import { ServerReflectionService as ReflectionV1Alpha } from '../../generated/ts/grpc/reflection/v1alpha/reflection';
import { DescriptorSet } from './descriptor-set';

const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

/**
 * Server reflection (grpc.reflection.v1 and v1alpha, which share one wire format) over the
 * descriptors buf compiled: grpcurl, buf curl, Python's descriptor_pool and Go's protodesc accept
 * them because they are the compiler's own bytes. `services` are those registered on `server`;
 * the reflection services themselves are listed too, as grpc-go lists them.
 */
export function addReflection(server: Pick<Server, 'addService'>, services: readonly string[], descriptors = DescriptorSet.load()): void {
  const listed = [...services, ...REFLECTION_SERVICES];
  for (const name of listed) {
    if (!descriptors.services.has(name)) throw new NdpError('internal', `reflection: service ${name} is not in the compiled descriptors (run npm run generate)`);
  }
  const answer = answerer(descriptors, listed);
  const serve = (stream: ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>): void => {
    // Per stream, as the protocol allows: a file already sent on it is not sent again as a dependency.
    const sent = new Set<string>();
    stream.on('data', (request: ServerReflectionRequest) => stream.write(answer(request, sent)));
    stream.on('end', () => stream.end());
  };
  server.addService(ReflectionV1, { serverReflectionInfo: serve });
  server.addService(ReflectionV1Alpha, { serverReflectionInfo: serve });
}

function answerer(descriptors: DescriptorSet, services: readonly string[]) {
  const listServicesResponse = { service: services.map((name) => ({ name })) };
  const files = (fileName: string | undefined, what: string, sent: Set<string>): Omit<ServerReflectionResponse, 'validHost' | 'originalRequest'> =>
    fileName === undefined || !descriptors.has(fileName)
      ? notFound(what)
      : { fileDescriptorResponse: { fileDescriptorProto: descriptors.withDependencies(fileName, sent) } };

  return (request: ServerReflectionRequest, sent: Set<string>): ServerReflectionResponse => {
    const reply = { validHost: request.host, originalRequest: request };
    if (request.listServices !== undefined) return { ...reply, listServicesResponse };
    if (request.fileByFilename !== undefined) return { ...reply, ...files(request.fileByFilename, `file ${request.fileByFilename}`, sent) };
    if (request.fileContainingSymbol !== undefined) {
      const symbol = request.fileContainingSymbol;
      return { ...reply, ...files(descriptors.fileContainingSymbol(symbol), `symbol ${symbol}`, sent) };
    }
    if (request.fileContainingExtension !== undefined) {
      const { containingType, extensionNumber } = request.fileContainingExtension;
      return { ...reply, ...files(descriptors.fileContainingExtension(containingType, extensionNumber), `extension ${extensionNumber} of ${containingType}`, sent) };
    }
    if (request.allExtensionNumbersOfType !== undefined) {
      const type = request.allExtensionNumbersOfType;
      const numbers = descriptors.extensionNumbers(type);
      return { ...reply, ...(numbers === undefined ? notFound(`type ${type}`) : { allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: numbers } }) };
    }
    return { ...reply, errorResponse: { errorCode: status.INVALID_ARGUMENT, errorMessage: 'the request sets none of the message_request fields' } };
  };
}

function notFound(what: string): Pick<ServerReflectionResponse, 'errorResponse'> {
  return { errorResponse: { errorCode: status.NOT_FOUND, errorMessage: `${what} not found` } };
}
