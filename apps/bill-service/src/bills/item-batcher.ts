/**
 * Coalesces concurrent adds to the same bill into one Update each (group commit).
 *
 * Temporal serialises every message to one workflow and allows only ten Updates in flight per
 * execution; one Update per item caps a hot bill near 50 items/s. Here, while a bill has
 * `maxInFlight` batches on their way, further items wait and leave together as the next batch,
 * so one workflow task and one database write serve many callers. Each caller still gets its
 * own result (or the batch's error). Items are validated before they get here, so a batch is
 * never refused for one bad item.
 */
export interface ItemBatcherOptions {
  maxBatch?: number;
  maxInFlight?: number;
}

interface Waiter<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

interface Queue<K, I, R> {
  key: K;
  waiting: Array<Waiter<I, R>>;
  inFlight: number;
}

export function createItemBatcher<K, I, R>(
  idOf: (key: K) => string,
  send: (key: K, items: I[]) => Promise<R[]>,
  { maxBatch = 200, maxInFlight = 2 }: ItemBatcherOptions = {},
) {
  const queues = new Map<string, Queue<K, I, R>>();

  function pump(id: string, queue: Queue<K, I, R>): void {
    while (queue.inFlight < maxInFlight && queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, maxBatch);
      queue.inFlight += 1;
      send(queue.key, batch.map((waiter) => waiter.item))
        .then(
          (results) => batch.forEach((waiter, index) => {
            const result = results[index];
            if (result === undefined) waiter.reject(new Error('the bill answered fewer results than items sent'));
            else waiter.resolve(result);
          }),
          (error: unknown) => batch.forEach((waiter) => waiter.reject(error)),
        )
        .finally(() => {
          queue.inFlight -= 1;
          if (queue.inFlight === 0 && queue.waiting.length === 0) queues.delete(id);
          else pump(id, queue);
        });
    }
  }

  return {
    add(key: K, item: I): Promise<R> {
      const id = idOf(key);
      let queue = queues.get(id);
      if (!queue) {
        queue = { key, waiting: [], inFlight: 0 };
        queues.set(id, queue);
      }
      const result = new Promise<R>((resolve, reject) => queue.waiting.push({ item, resolve, reject }));
      pump(id, queue);
      return result;
    },
  };
}
