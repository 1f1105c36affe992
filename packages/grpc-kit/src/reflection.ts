import { createRegistry, toBinary, type DescFile, type DescService, type Registry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code, type ServiceImpl } from '@connectrpc/connect';
import { reflectionV1, reflectionV1alpha } from '@billing/contracts';

/**
 * gRPC server reflection (v1 and v1alpha: grpcurl asks v1 first and falls back) answered from
 * the protobuf-es descriptors the generated code already embeds, so `grpcurl list` and
 * `describe` work with no .proto files on the caller's side. `services` are the ones the
 * server answers for; reflection lists itself as well.
 */
export function reflectionServices(services: readonly DescService[]) {
  const answer = createReflectionAnswerer([
    ...services,
    reflectionV1.ServerReflection,
    reflectionV1alpha.ServerReflection,
  ]);
  const v1: ServiceImpl<typeof reflectionV1.ServerReflection> = {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield { validHost: request.host, originalRequest: request, messageResponse: answer(request.messageRequest) };
      }
    },
  };
  const v1alpha: ServiceImpl<typeof reflectionV1alpha.ServerReflection> = {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield { validHost: request.host, originalRequest: request, messageResponse: answer(request.messageRequest) };
      }
    },
  };
  return [
    { service: reflectionV1.ServerReflection, impl: v1 },
    { service: reflectionV1alpha.ServerReflection, impl: v1alpha },
  ] as const;
}


// The request and response shapes are identical in both versions; only the message type names
// differ, so one answerer serves both.
type ReflectionQuery =
  | { case: 'fileByFilename' | 'fileContainingSymbol' | 'allExtensionNumbersOfType' | 'listServices'; value: string }
  | { case: 'fileContainingExtension'; value: { containingType: string; extensionNumber: number } }
  | { case: undefined; value?: undefined };

type ReflectionAnswer =
  | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: 'allExtensionNumbersResponse'; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
  | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };

export function createReflectionAnswerer(services: readonly DescService[]): (query: ReflectionQuery) => ReflectionAnswer {
  const files = withDependencies(services.map((service) => service.file));
  const byFileName = new Map(files.map((file) => [file.proto.name, file]));
  const registry = createRegistry(...files);
  const serviceNames = [...new Set(services.map((service) => service.typeName))].sort();

  const notFound = (what: string): ReflectionAnswer => ({
    case: 'errorResponse',
    value: { errorCode: Code.NotFound, errorMessage: `${what} not found` },
  });
  const fileResponse = (file: DescFile): ReflectionAnswer => ({
    case: 'fileDescriptorResponse',
    value: {
      // The requested file first, then what it imports, as grpc-go's server answers.
      fileDescriptorProto: [file, ...withDependencies(file.dependencies)].map((each) =>
        toBinary(FileDescriptorProtoSchema, each.proto),
      ),
    },
  });

  return (query) => {
    switch (query.case) {
      case 'listServices':
        return { case: 'listServicesResponse', value: { service: serviceNames.map((name) => ({ name })) } };
      case 'fileByFilename': {
        const file = byFileName.get(query.value);
        return file ? fileResponse(file) : notFound(`file "${query.value}"`);
      }
      case 'fileContainingSymbol': {
        const file = fileDeclaring(registry, query.value);
        return file ? fileResponse(file) : notFound(`symbol "${query.value}"`);
      }
      case 'fileContainingExtension': {
        const extendee = registry.getMessage(query.value.containingType);
        const extension = extendee && registry.getExtensionFor(extendee, query.value.extensionNumber);
        return extension
          ? fileResponse(extension.file)
          : notFound(`extension ${query.value.extensionNumber} of "${query.value.containingType}"`);
      }
      case 'allExtensionNumbersOfType': {
        // None of our contracts declare extensions; the type must still exist to be answered.
        return registry.getMessage(query.value)
          ? { case: 'allExtensionNumbersResponse', value: { baseTypeName: query.value, extensionNumber: [] } }
          : notFound(`type "${query.value}"`);
      }
      default:
        return { case: 'errorResponse', value: { errorCode: Code.InvalidArgument, errorMessage: 'empty reflection request' } };
    }
  };
}

/** A type, service, or a member of one (method, field, enum value) resolves to its file. */
function fileDeclaring(registry: Registry, symbol: string): DescFile | undefined {
  const name = symbol.startsWith('.') ? symbol.slice(1) : symbol;
  const declared = registry.get(name);
  if (declared) return declared.file;
  const parent = name.slice(0, Math.max(0, name.lastIndexOf('.')));
  return parent === '' ? undefined : registry.get(parent)?.file;
}

/** The files and everything they import, each once, dependencies first. */
function withDependencies(roots: readonly DescFile[]): DescFile[] {
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile) => {
    if (seen.has(file.proto.name)) return;
    seen.add(file.proto.name);
    file.dependencies.forEach(visit);
    ordered.push(file);
  };
  roots.forEach(visit);
  return ordered;
}
