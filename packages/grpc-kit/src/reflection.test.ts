import { create, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code, createClient, createRouterTransport } from '@connectrpc/connect';
import { BillService, RatesService, health, reflectionV1, reflectionV1alpha } from '@billing/contracts';
import { describe, expect, it } from 'vitest';
import { reflectionServices } from './reflection.ts';

function reflectionTransport() {
  const services = reflectionServices([RatesService, health.Health]);
  return createRouterTransport((router) => {
    for (const served of services) router.service(served.service, served.impl);
  });
}

async function askV1(requests: reflectionV1.ServerReflectionRequest['messageRequest'][]) {
  const client = createClient(reflectionV1.ServerReflection, reflectionTransport());
  async function* outgoing() {
    for (const messageRequest of requests) yield create(reflectionV1.ServerReflectionRequestSchema, { messageRequest });
  }
  const answers: reflectionV1.ServerReflectionResponse[] = [];
  for await (const answer of client.serverReflectionInfo(outgoing())) answers.push(answer);
  return answers;
}

function fileNames(answer: reflectionV1.ServerReflectionResponse | undefined): string[] {
  if (answer?.messageResponse.case !== 'fileDescriptorResponse') throw new Error(`no files in ${answer?.messageResponse.case}`);
  return answer.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
}

describe('server reflection v1', () => {
  it('lists the served services, health and reflection itself', async () => {
    const [answer] = await askV1([{ case: 'listServices', value: '' }]);
    expect(answer?.messageResponse.case).toBe('listServicesResponse');
    const names = answer?.messageResponse.case === 'listServicesResponse'
      ? answer.messageResponse.value.service.map((service) => service.name)
      : [];
    expect(names).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'rates.v1.RatesService',
    ]);
  });

  it('answers several requests on one stream, each with the file that declares the symbol and its imports', async () => {
    const answers = await askV1([
      { case: 'fileContainingSymbol', value: 'rates.v1.RatesService' },
      { case: 'fileContainingSymbol', value: 'rates.v1.RatesService.GetRate' },
      { case: 'fileContainingSymbol', value: 'rates.v1.Rate' },
      { case: 'fileByFilename', value: 'rates/v1/rates.proto' },
    ]);
    expect(answers).toHaveLength(4);
    for (const answer of answers) {
      expect(fileNames(answer)).toEqual(['rates/v1/rates.proto', 'google/protobuf/timestamp.proto']);
    }
    expect(answers[0]?.originalRequest?.messageRequest.value).toBe('rates.v1.RatesService');
  });

  it('answers NOT_FOUND for a symbol, file or extension it does not serve', async () => {
    const answers = await askV1([
      { case: 'fileContainingSymbol', value: BillService.typeName },
      { case: 'fileByFilename', value: 'billing/v1/bill.proto' },
      {
        case: 'fileContainingExtension',
        value: create(reflectionV1.ExtensionRequestSchema, { containingType: 'rates.v1.Rate', extensionNumber: 100 }),
      },
      { case: 'allExtensionNumbersOfType', value: 'no.such.Type' },
    ]);
    for (const answer of answers) {
      expect(answer.messageResponse.case).toBe('errorResponse');
      if (answer.messageResponse.case === 'errorResponse') expect(answer.messageResponse.value.errorCode).toBe(Code.NotFound);
    }
  });

  it('reports no extension numbers for a known message type', async () => {
    const [answer] = await askV1([{ case: 'allExtensionNumbersOfType', value: 'rates.v1.Rate' }]);
    expect(answer?.messageResponse).toEqual(expect.objectContaining({ case: 'allExtensionNumbersResponse' }));
    if (answer?.messageResponse.case === 'allExtensionNumbersResponse') {
      expect(answer.messageResponse.value.baseTypeName).toBe('rates.v1.Rate');
      expect(answer.messageResponse.value.extensionNumber).toEqual([]);
    }
  });
});

describe('server reflection v1alpha', () => {
  it('answers the same questions for clients that only speak the older version', async () => {
    const client = createClient(reflectionV1alpha.ServerReflection, reflectionTransport());
    async function* outgoing() {
      yield create(reflectionV1alpha.ServerReflectionRequestSchema, {
        messageRequest: { case: 'fileContainingSymbol', value: 'grpc.health.v1.Health' },
      });
    }
    const answers = [];
    for await (const answer of client.serverReflectionInfo(outgoing())) answers.push(answer);
    expect(answers).toHaveLength(1);
    const response = answers[0]?.messageResponse;
    expect(response?.case).toBe('fileDescriptorResponse');
    if (response?.case === 'fileDescriptorResponse') {
      const names = response.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
      expect(names).toEqual(['grpc/health/v1/health.proto']);
    }
  });
});
