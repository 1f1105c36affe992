import pg from 'pg';
import { inject } from 'vitest';
import type { Money } from './bills-api.ts';

// The mandate shapes of the REST API as the system tests read them, and a look at the read model.

export interface Collection {
  cycle: number;
  dueDate: string;
  status: string;
  attempts: number;
  amount: Money;
  paymentReference: string | null;
  failureReason: string | null;
  collectedAt: string | null;
}

export interface Mandate {
  id: string;
  customerId: string;
  status: string;
  description: string;
  amount: Money;
  frequency: string;
  firstCollectionDate: string;
  endDate: string | null;
  timeZone: string;
  collectionTime: string;
  autoExecution: boolean;
  reminderDaysBefore: number;
  pausedUntil: string | null;
  nextCollections: string[];
  collectionsCompleted: number;
  lastCollection: Collection | null;
  createdAt: string;
  updatedAt: string;
}

export function mandatesPath(customerId: string): string {
  return `/v1/customers/${customerId}/mandates`;
}

/** Today's date in UTC as YYYY-MM-DD. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A date `days` after today in UTC: never past in any time zone once it is two days ahead. */
export function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Rows a table holds for a customer, read straight from PostgreSQL. */
export async function rowsFor(table: 'mandates' | 'simulator_script', customerId: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    return (await client.query(`SELECT * FROM ${table} WHERE customer_id = $1`, [customerId])).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
