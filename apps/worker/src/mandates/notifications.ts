// The notification port: how a mandate tells its customer something (today, the reminder before a
// manual collection). This implementation logs it and records it in mandate_notifications, once
// per mandate, cycle and kind, with its `mandate.reminder` event in the same transaction.
import type { Db } from '@billing/db';
import { log } from '@temporalio/activity';
import { recordNotification } from './mandate-repository.ts';

export interface MandateNotification {
  mandateId: string;
  customerId: string;
  cycle: number;
  kind: 'COLLECTION_REMINDER';
  dueDate: string;
  amount: { amount: string; currency: string };
  sentAt: string;
}

export interface NotificationPort {
  send(notification: MandateNotification): Promise<void>;
}

export function loggedNotifications(db: Db): NotificationPort {
  return {
    async send(notification) {
      const isNew = await recordNotification(db, notification);
      if (isNew) log.info('mandate notification', { ...notification });
    },
  };
}
