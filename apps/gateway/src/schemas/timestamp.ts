import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { Type } from 'typebox';

/** Times the gateway returns: RFC 3339 in UTC. */
export function Rfc3339(description: string) {
  return Type.String({ format: 'date-time', description: `${description} (RFC 3339, UTC)`, examples: ['2025-09-30T00:00:00.000Z'] });
}

/** Times clients send: RFC 3339 with an explicit offset. */
export function Rfc3339Input(description: string) {
  return Type.String({
    format: 'date-time',
    description: `${description} (RFC 3339 with offset, e.g. 2025-09-30T12:00:00Z)`,
    errorMessage: 'must be an RFC 3339 date-time with offset, e.g. 2025-09-30T12:00:00Z',
  });
}

/** A timestamp a service must always send; its absence is the service's bug, not the client's. */
export function requiredTimestamp(timestamp: Timestamp | undefined, what: string): string {
  if (timestamp === undefined) throw new ConnectError(`service response lacks ${what}`, Code.Internal);
  return timestampDate(timestamp).toISOString();
}
