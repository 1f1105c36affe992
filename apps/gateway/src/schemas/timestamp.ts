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
