// Every REST list answers `{ items, nextCursor }`: the page's items, and the cursor of the next
// page, null on the last one (billing.v1 leaves `next_cursor` unset there). The page convention
// itself (limit, cursor) is @billing/grpc-kit's `pages.ts`; docs/architecture.md says why.

export interface PageJson<T> {
  items: T[];
  nextCursor: string | null;
}

export function pageJson<T>(items: T[], nextCursor: string | undefined): PageJson<T> {
  return { items, nextCursor: nextCursor ?? null };
}
