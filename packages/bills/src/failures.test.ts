import { describe, expect, it } from 'vitest';
import { isUpdateLostAtRunBoundary } from './failures.ts';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('isUpdateLostAtRunBoundary', () => {
  it('recognises an update whose run continued as new before its outcome was read', () => {
    expect(isUpdateLostAtRunBoundary(named('WorkflowNotFoundError', 'update "6d5c" not found'))).toBe(true);
  });

  it('does not mistake a finished bill or another failure for it', () => {
    expect(isUpdateLostAtRunBoundary(named('WorkflowNotFoundError', 'workflow execution already completed'))).toBe(false);
    expect(isUpdateLostAtRunBoundary(named('Error', 'update "x" not found'))).toBe(false);
    expect(isUpdateLostAtRunBoundary('update not found')).toBe(false);
  });
});
