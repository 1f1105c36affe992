// The billing.v1 values every resource's JSON is made of (money, times, enum names), mapped here
// once; the resource mappers and the gateway's other JSON (ledger, events, rates) build on these.
import { Code, ConnectError } from '@connectrpc/connect';
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { Money } from '@billing/contracts';

/** A field a service must always send is missing: the service's bug, not the client's. */
export function serviceBug(what: string): ConnectError {
  return new ConnectError(`service response lacks ${what}`, Code.Internal);
}

export function moneyJson(value: Money | undefined, what: string) {
  if (value === undefined) throw serviceBug(what);
  return { amount: value.amount, currency: value.currency };
}

/** RFC 3339 in UTC, with milliseconds. */
export function requiredTimestamp(timestamp: Timestamp | undefined, what: string): string {
  if (timestamp === undefined) throw serviceBug(what);
  return timestampDate(timestamp).toISOString();
}

export function optionalTimeJson(timestamp: Timestamp | undefined): string | null {
  return timestamp === undefined ? null : timestampDate(timestamp).toISOString();
}

/** The name of a protobuf-es enum value without its UNSPECIFIED zero, which no service sends. */
export function enumName<E extends Record<string, string | number>>(
  values: E, value: number, what: string,
): Exclude<Extract<keyof E, string>, 'UNSPECIFIED'> {
  const name = values[value];
  if (typeof name !== 'string' || name === 'UNSPECIFIED') throw serviceBug(`a known ${what}`);
  return name as Exclude<Extract<keyof E, string>, 'UNSPECIFIED'>;
}
