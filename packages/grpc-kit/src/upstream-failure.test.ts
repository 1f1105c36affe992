import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { classifyUpstreamFailure, isUpstreamUnavailable } from './upstream-failure.ts';

function nodeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

// What connect-node's client hands back for each failure to reach or hear back from a server: a
// ConnectError (not parsed from the wire) with the Node error as its cause, coded as its
// node-error module decides (ECONNRESET, ERR_STREAM_DESTROYED, ERR_HTTP2_INVALID_STREAM → aborted;
// refused, unresolvable, timed out → unavailable; others → internal).
const TRANSPORT_FAILURES: Array<[string, Code, string]> = [
  ['ECONNRESET', Code.Aborted, 'read ECONNRESET'],
  ['ERR_STREAM_DESTROYED', Code.Aborted, 'Cannot call write after a stream was destroyed'],
  ['ERR_HTTP2_INVALID_STREAM', Code.Aborted, 'The stream has been destroyed'],
  ['ERR_HTTP2_GOAWAY_SESSION', Code.Internal, 'New streams cannot be created after receiving a GOAWAY'],
  ['ERR_HTTP2_STREAM_ERROR', Code.Internal, 'Stream closed with error code NGHTTP2_INTERNAL_ERROR'],
  ['ERR_HTTP2_SESSION_ERROR', Code.Internal, 'Session closed with error code 2'],
  ['ECONNREFUSED', Code.Unavailable, 'connect ECONNREFUSED 10.1.2.3:50051'],
  ['ENOTFOUND', Code.Unavailable, 'getaddrinfo ENOTFOUND bill-service.internal'],
  ['EAI_AGAIN', Code.Unavailable, 'getaddrinfo EAI_AGAIN bill-service.internal'],
  ['ETIMEDOUT', Code.Unavailable, 'connect ETIMEDOUT 10.1.2.3:50051'],
  ['EPIPE', Code.Internal, 'write EPIPE'],
  ['EHOSTUNREACH', Code.Internal, 'connect EHOSTUNREACH 10.1.2.3:50051'],
];

describe('classifyUpstreamFailure', () => {
  it.each(TRANSPORT_FAILURES)('makes %s (connect-node code %i) unavailable, with no Node text in the message', (code, connectCode, text) => {
    const fromClient = new ConnectError(text, connectCode, undefined, undefined, nodeError(code, text));
    const classified = classifyUpstreamFailure(fromClient, 'bill-service');
    expect(classified.code).toBe(Code.Unavailable);
    expect(classified.rawMessage).toBe('bill-service is unavailable');
    expect(classified.message).not.toContain(code);
    expect(isUpstreamUnavailable(classified)).toBe(true);
    // The transport's own error is kept as the cause, for the log.
    expect((classified.cause as ConnectError).cause).toMatchObject({ code });
  });

  it.each([
    ['connection aborted', Code.Canceled],
    ['received GOAWAY without any open streams', Code.Canceled],
    ['http/2 stream closed with error code INTERNAL_ERROR (0x2)', Code.Internal],
    ['http/2 stream closed with error code REFUSED_STREAM (0x7)', Code.Unavailable],
    ['expected open session, but it is destroyed', Code.Internal],
    ['HTTP 502', Code.Unavailable],
  ])('makes the client-side %j (code %i) unavailable', (text, code) => {
    expect(classifyUpstreamFailure(new ConnectError(text, code), 'rates-service').code).toBe(Code.Unavailable);
  });

  it('makes a plain thrown error unavailable too: no answer was heard', () => {
    expect(classifyUpstreamFailure(nodeError('ECONNRESET', 'socket hang up'), 'rates-service').code).toBe(Code.Unavailable);
  });

  it.each([Code.Aborted, Code.Internal, Code.Unavailable, Code.FailedPrecondition, Code.Canceled, Code.Unknown])(
    'passes an error the upstream itself answered with code %i through untouched',
    (code) => {
      const answered = new ConnectError('the upstream decided', code);
      answered.isWireError = true;
      expect(classifyUpstreamFailure(answered, 'bill-service')).toBe(answered);
    },
  );

  it('keeps our own deadline as deadline_exceeded', () => {
    const late = new ConnectError('the operation timed out', Code.DeadlineExceeded);
    expect(classifyUpstreamFailure(late, 'bill-service')).toBe(late);
  });

  it('keeps canceled when our own caller went away, and only then', () => {
    const canceled = new ConnectError('operation was aborted', Code.Canceled);
    expect(classifyUpstreamFailure(canceled, 'bill-service', true)).toBe(canceled);
    expect(classifyUpstreamFailure(canceled, 'bill-service', false).code).toBe(Code.Unavailable);
  });
});
