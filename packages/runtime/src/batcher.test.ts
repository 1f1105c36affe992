import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('batcher', () => {
  it('sends the first item at once and coalesces the ones that arrive while it is in flight', async () => {
    const sent: number[][] = [];
    const gates: Array<ReturnType<typeof deferred<number[]>>> = [];
    const batcher = createBatcher<string, number, number>((key) => key, (_key, items) => {
      sent.push(items);
      const gate = deferred<number[]>();
      gates.push(gate);
      return gate.promise;
    }, { maxInFlight: 1 });

    const first = batcher.add('bill-a', 1);
    const rest = [2, 3, 4].map((n) => batcher.add('bill-a', n));
    expect(sent).toEqual([[1]]);
    gates[0]?.resolve([10]);
    expect(await first).toBe(10);
    await Promise.resolve();
    expect(sent).toEqual([[1], [2, 3, 4]]);
    gates[1]?.resolve([20, 30, 40]);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
  });

  it('with parallelOnlyWhenFull, sends a second batch at once only when it is full', async () => {
    const sent: number[][] = [];
    const gates: Array<ReturnType<typeof deferred<number[]>>> = [];
    const batcher = createBatcher<string, number, number>((key) => key, (_key, items) => {
      sent.push(items);
      const gate = deferred<number[]>();
      gates.push(gate);
      return gate.promise;
    }, { maxBatch: 3, maxInFlight: 2, parallelOnlyWhenFull: true });

    const answers = [1, 2, 3].map((n) => batcher.add('usage', n));
    // The first leaves alone; two more wait for it rather than taking the free slot one by one.
    expect(sent).toEqual([[1]]);
    answers.push(...[4, 5].map((n) => batcher.add('usage', n)));
    // Now a full batch is waiting: it takes the second slot at once.
    expect(sent).toEqual([[1], [2, 3, 4]]);
    gates[0]?.resolve([10]);
    gates[1]?.resolve([20, 30, 40]);
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toEqual([[1], [2, 3, 4], [5]]);
    gates[2]?.resolve([50]);
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50]);
  });

  it('keeps bills apart and fails every item of a failed batch with its error', async () => {
    const sent: Array<[string, number[]]> = [];
    const batcher = createBatcher<string, number, number>((key) => key, async (key, items) => {
      sent.push([key, items]);
      if (key === 'closed') throw new Error('bill is CLOSED');
      return items.map((n) => n * 2);
    });
    const results = await Promise.allSettled([batcher.add('open', 1), batcher.add('closed', 2), batcher.add('closed', 3)]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: new Error('bill is CLOSED') });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: new Error('bill is CLOSED') });
    expect(sent.map(([key]) => key)).toEqual(['open', 'closed', 'closed']);
  });

  it('never puts more than maxBatch items in one batch', async () => {
    const sizes: number[] = [];
    const gate = deferred<void>();
    const batcher = createBatcher<string, number, number>((key) => key, async (_key, items) => {
      sizes.push(items.length);
      await gate.promise;
      return items;
    }, { maxBatch: 3, maxInFlight: 1 });
    const all = Array.from({ length: 8 }, (_, n) => batcher.add('b', n));
    gate.resolve();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it('with sizeOf, fills a batch up to maxBatch by size without splitting an item, and sends an oversized item alone', async () => {
    const sent: string[][] = [];
    const gates: Array<ReturnType<typeof deferred<string[]>>> = [];
    const batcher = createBatcher<string, string, string>((key) => key, (_key, items) => {
      sent.push(items);
      const gate = deferred<string[]>();
      gates.push(gate);
      return gate.promise;
    }, { maxBatch: 5, maxInFlight: 2, parallelOnlyWhenFull: true, sizeOf: (item) => item.length });

    const answers = ['a', 'bb', 'ccc', 'd', 'eeeeeee', 'f'].map((item) => batcher.add('k', item));
    // 'a' leaves at once; the waiting ones add up to 14, a full batch by size: 'bb' and 'ccc' (5)
    // take the second slot, and 'd' does not fit beside them.
    expect(sent).toEqual([['a'], ['bb', 'ccc']]);
    gates[0]?.resolve(['A']);
    await Promise.resolve();
    await Promise.resolve();
    // 'd' (1) and the oversized 'eeeeeee' (7) make a full waiting size: 'd' goes, then 'eeeeeee' alone.
    expect(sent).toEqual([['a'], ['bb', 'ccc'], ['d']]);
    gates[1]?.resolve(['BB', 'CCC']);
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toEqual([['a'], ['bb', 'ccc'], ['d'], ['eeeeeee']]);
    gates[2]?.resolve(['D']);
    gates[3]?.resolve(['EEEEEEE']);
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toEqual([['a'], ['bb', 'ccc'], ['d'], ['eeeeeee'], ['f']]);
    gates[4]?.resolve(['F']);
    expect(await Promise.all(answers)).toEqual(['A', 'BB', 'CCC', 'D', 'EEEEEEE', 'F']);
  });
});
