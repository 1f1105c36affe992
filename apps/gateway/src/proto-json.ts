import { Code, ConnectError } from '@connectrpc/connect';

// The billing.v1 values every resource's JSON is made of (money, times, enum names) are mapped once,
// in @billing/resources, with the resources themselves; what is left here is the other direction,
// a client's enum name to its billing.v1 value.

/** The value of an enum name a client chose; none means UNSPECIFIED ("any" in a filter). */
export function enumValue<E extends Record<string, string | number>>(values: E, name: string | undefined): number {
  if (name === undefined) return 0;
  const value = values[name];
  if (typeof value !== 'number') throw new ConnectError(`unknown value ${name}`, Code.InvalidArgument);
  return value;
}
