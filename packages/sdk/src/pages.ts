/** One page of any list of the API: its items, and the cursor of the next page (null on the last). */
export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * Every item of a list, page after page, for `for await`. `fetchPage` asks for the page after
 * `cursor` (undefined for the first), e.g.
 * `(cursor) => api.listBills({ path: { customerId }, query: { cursor } })`.
 */
export async function* paginate<Item>(fetchPage: (cursor: string | undefined) => Promise<{ data: Page<Item> }>): AsyncGenerator<Item, void, undefined> {
  let cursor: string | undefined;
  do {
    const { data } = await fetchPage(cursor);
    yield* data.items;
    cursor = data.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
