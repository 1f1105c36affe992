import { Code } from '@connectrpc/connect';
import { PaymentSimulatorService, RatesService, health } from '@billing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcClient, withPrincipal } from './client.ts';
import { createGrpcServer, serve, type GrpcServer } from './server.ts';
import { principalOf, type Principal } from './service-access.ts';
import { failureOf } from './testing/connect-error.ts';
import { grpcurl } from '@billing/devstack';
import { recordingLogger } from './testing/recording-logger.ts';

const CREDENTIAL = 'test-service-credential-0123456789abcdef';
const CUSTOMER_A: Principal = { keyId: 'key_a', customerId: 'cust-a' };

// A real server on loopback with the access check on: PaymentSimulatorService stands for any
// service whose requests name a customer, RatesService for one declared customer-free.
describe('service access on a real server', () => {
  const logger = recordingLogger();
  const seen: Principal[] = [];
  let server: GrpcServer;
  let url: string;

  beforeAll(async () => {
    server = await createGrpcServer({
      services: [
        serve(PaymentSimulatorService, {
          scriptOutcomes: (request, context) => {
            seen.push(principalOf(context));
            return { queued: request.outcomes.length };
          },
        }),
        serve(RatesService, {
          getRate: (request) => ({ rate: { base: request.base, quote: request.quote, rate: '2.7150', source: 'test' } }),
          listRates: (request) => ({ base: request.base }),
        }, { customerFree: true }),
      ],
      logger,
      port: 0,
      host: '127.0.0.1',
      serviceCredential: CREDENTIAL,
    });
    url = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.close();
  });

  it('refuses a business call without the service credential with unauthenticated', async () => {
    const simulator = createGrpcClient(PaymentSimulatorService, url);
    const rates = createGrpcClient(RatesService, url);
    expect((await failureOf(simulator.scriptOutcomes({ customerId: 'cust-a' }))).code).toBe(Code.Unauthenticated);
    expect((await failureOf(rates.getRate({ base: 'USD', quote: 'GEL' }))).code).toBe(Code.Unauthenticated);
  });

  it('refuses a wrong credential, even one sharing its first characters', async () => {
    const simulator = createGrpcClient(PaymentSimulatorService, url, { serviceCredential: `${CREDENTIAL.slice(0, -1)}X` });
    expect((await failureOf(simulator.scriptOutcomes({ customerId: 'cust-a' }))).code).toBe(Code.Unauthenticated);
  });

  it('serves a caller holding the credential and hands the handler its principal', async () => {
    const simulator = createGrpcClient(PaymentSimulatorService, url, { serviceCredential: CREDENTIAL });
    seen.length = 0;
    await simulator.scriptOutcomes({ customerId: 'cust-a' }, withPrincipal(CUSTOMER_A));
    await simulator.scriptOutcomes({ customerId: 'cust-b' });
    expect(seen).toEqual([CUSTOMER_A, { keyId: 'service', customerId: null }]);
  });

  it('refuses a customer-scoped call naming another customer with permission_denied', async () => {
    const simulator = createGrpcClient(PaymentSimulatorService, url, { serviceCredential: CREDENTIAL });
    const error = await failureOf(simulator.scriptOutcomes({ customerId: 'cust-b' }, withPrincipal(CUSTOMER_A)));
    expect(error.code).toBe(Code.PermissionDenied);
  });

  it('refuses a customer-scoped call that names no customer on a method not declared customer-free', async () => {
    const simulator = createGrpcClient(PaymentSimulatorService, url, { serviceCredential: CREDENTIAL });
    const error = await failureOf(simulator.scriptOutcomes({ customerId: '' }, withPrincipal(CUSTOMER_A)));
    expect(error.code).toBe(Code.PermissionDenied);
  });

  it('lets a customer-scoped call use a customer-free service', async () => {
    const rates = createGrpcClient(RatesService, url, { serviceCredential: CREDENTIAL });
    const answer = await rates.getRate({ base: 'USD', quote: 'GEL' }, withPrincipal(CUSTOMER_A));
    expect(answer.rate?.rate).toBe('2.7150');
  });

  it('logs the refusal and the key a call was made for, never the credential', async () => {
    const simulator = createGrpcClient(PaymentSimulatorService, url, { serviceCredential: CREDENTIAL });
    await failureOf(simulator.scriptOutcomes({ customerId: 'cust-z' }, withPrincipal(CUSTOMER_A)));
    const line = logger.lines.findLast((entry) => entry.message === 'grpc call');
    expect(line?.fields).toMatchObject({ code: 'permission_denied', keyId: 'key_a' });
    expect(JSON.stringify(logger.lines)).not.toContain(CREDENTIAL);
  });

  it('keeps health and reflection open for probes and grpcurl', async () => {
    const probe = createGrpcClient(health.Health, url);
    expect((await probe.check({})).status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    const listed = await grpcurl(`127.0.0.1:${server.port}`, ['list']);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toContain('billing.v1.PaymentSimulatorService');
  });

  it('lets grpcurl make a business call with the credential header', async () => {
    const address = `127.0.0.1:${server.port}`;
    const refused = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'GEL' } });
    expect(refused.stderr).toContain('Unauthenticated');
    const answered = await grpcurl(address, ['rates.v1.RatesService/GetRate'], {
      data: { base: 'USD', quote: 'GEL' },
      headers: { 'x-billing-service-token': CREDENTIAL },
    });
    expect(answered.exitCode).toBe(0);
  });
});
