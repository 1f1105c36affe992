import { ConnectError } from '@connectrpc/connect';

/** The ConnectError a call failed with; a call that succeeds fails the test instead. */
export async function failureOf(call: Promise<unknown>): Promise<ConnectError> {
  let response: unknown;
  try {
    response = await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error(`expected the call to fail, but it answered ${JSON.stringify(response)}`);
}
