/** `{ ready, total }` of a list by a predicate. */
export function countReady<T>(items: T[], isReady: (item: T) => boolean) {
  let ready = 0;
  for (const item of items) if (isReady(item)) ready += 1;
  return { ready, total: items.length };
}
