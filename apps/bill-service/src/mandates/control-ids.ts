// The Update id of a mandate control, from the request's Idempotency-Key. The workflow applies an
// Update id once (Temporal within a run, the workflow's record of applied controls across runs),
// so the same key, mandate and request sent again, after an answer that never arrived, is
// answered instead of applied twice or refused. docs/idempotency.md has the whole rule.
import { createHash } from 'node:crypto';
import { toJsonString, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

/**
 * Named by the whole request (its type, the mandate, the change asked for and the key), so the
 * same key with another request is another control. Undefined without a key: the sender then
 * draws a random id and a retry is a new control.
 */
export function controlUpdateId<Desc extends DescMessage>(
  schema: Desc, request: MessageShape<Desc> & { idempotencyKey: string },
): string | undefined {
  if (request.idempotencyKey === '') return undefined;
  const named = `${schema.typeName}\n${toJsonString(schema, request)}`;
  return `ctl_${createHash('sha256').update(named).digest('hex').slice(0, 48)}`;
}
