import { expect } from 'vitest';
import { call } from './bills-api.ts';

// The event shapes of the REST API as the system tests read them.

export interface Event {
  id: string;
  type: string;
  customerId: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** A customer's events (of `type`, if given), oldest first. */
export async function eventsOf(customerId: string, type?: string): Promise<Event[]> {
  const answer = await call<{ items: Event[]; nextCursor: string | null }>(
    'GET', `/v1/events?customerId=${customerId}&limit=200${type ? `&type=${type}` : ''}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.json.items.reverse();
}

/** The one event of `type` a customer has, waiting for it (a workflow writes some just after an answer). */
export async function theEvent(customerId: string, type: string, timeoutMs = 10_000): Promise<Event> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await eventsOf(customerId, type);
    if (events.length > 0) {
      expect(events, `${customerId} has one ${type}`).toHaveLength(1);
      return events[0]!;
    }
    if (Date.now() > deadline) throw new Error(`no ${type} event for ${customerId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
