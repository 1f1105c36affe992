/**
 * A batcher: coalesces concurrent requests for the same target (named by a key) into batches,
 * each sent as one unit of work by the caller's `send` (one message, one transaction). With a
 * database transaction as the unit this is what databases call group commit.
 *
 * While a target has `maxInFlight` batches on their way, further items wait and leave together as
 * the next batch, so one round trip serves many callers: a lone request leaves at once, and under
 * load the batches grow by themselves (up to `maxBatch`). Each caller still gets its own result
 * (or the batch's error). The sender answers one result per item, in order; deciding what a failed
 * batch means for each item (retrying them one by one, say) is the sender's business.
 */
export interface BatcherOptions<I = unknown> {
  /** The most a batch holds: items, or with `sizeOf` their total size. */
  maxBatch?: number;
  maxInFlight?: number;
  /**
   * Send a second (third, ...) batch at once only when it is full. Without it, a batch slot that
   * frees while callers trickle in takes them one at a time: each caller waiting on a transaction
   * alone, the slots busy with batches of one. With it, a partial batch waits for the batch in
   * flight and then leaves with everything that arrived meanwhile.
   */
  parallelOnlyWhenFull?: boolean;
  /**
   * How much of `maxBatch` an item takes (default 1 each), for items that are themselves groups
   * (one request's events, say): a batch is filled up to `maxBatch` by size, and an item never
   * leaves split. An item larger than `maxBatch` leaves alone.
   */
  sizeOf?: (item: I) => number;
}

interface Waiter<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

interface Queue<K, I, R> {
  key: K;
  waiting: Array<Waiter<I, R>>;
  /** The total size of `waiting`. */
  waitingSize: number;
  inFlight: number;
}

export function createBatcher<K, I, R>(
  idOf: (key: K) => string,
  send: (key: K, items: I[]) => Promise<R[]>,
  { maxBatch = 200, maxInFlight = 2, parallelOnlyWhenFull = false, sizeOf }: BatcherOptions<I> = {},
) {
  const queues = new Map<string, Queue<K, I, R>>();
  const size = sizeOf ?? (() => 1);

  /** The waiters of the next batch, taken off the queue: up to maxBatch by size, at least one. */
  function nextBatch(queue: Queue<K, I, R>): Array<Waiter<I, R>> {
    if (sizeOf === undefined) {
      const batch = queue.waiting.splice(0, maxBatch);
      queue.waitingSize -= batch.length;
      return batch;
    }
    let count = 0;
    let total = 0;
    for (const waiter of queue.waiting) {
      const itemSize = size(waiter.item);
      if (count > 0 && total + itemSize > maxBatch) break;
      count += 1;
      total += itemSize;
    }
    queue.waitingSize -= total;
    return queue.waiting.splice(0, count);
  }

  function pump(id: string, queue: Queue<K, I, R>): void {
    while (queue.inFlight < maxInFlight && queue.waiting.length > 0
      && (!parallelOnlyWhenFull || queue.inFlight === 0 || queue.waitingSize >= maxBatch)) {
      const batch = nextBatch(queue);
      queue.inFlight += 1;
      send(queue.key, batch.map((waiter) => waiter.item))
        .then(
          (results) => batch.forEach((waiter, index) => {
            const result = results[index];
            if (result === undefined) waiter.reject(new Error('a batch answered fewer results than items sent'));
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
        queue = { key, waiting: [], waitingSize: 0, inFlight: 0 };
        queues.set(id, queue);
      }
      const result = new Promise<R>((resolve, reject) => queue.waiting.push({ item, resolve, reject }));
      queue.waitingSize += size(item);
      pump(id, queue);
      return result;
    },
  };
}
