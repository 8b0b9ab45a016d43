import type { Store } from './store';

/** What a gc pass removed (or, dry, would remove). */
export interface GcResult {
  count: number;
  bytes: number;
}

/**
 * Removes blobs that no row references and that nobody stored or refreshed within `graceMs` (a live runner
 * stores or refreshes a blob just before the row that references it). Each candidate is checked again against
 * the store as it is removed, so gc is safe beside live runs and beside another gc.
 */
export function collectGarbage(store: Store, options: { graceMs: number; dryRun?: boolean }): GcResult {
  const referenced = store.referencedBlobs();
  const staleBefore = Date.now() - options.graceMs;
  const result: GcResult = { count: 0, bytes: 0 };
  for (const sha of store.objects.list()) {
    if (referenced.has(sha)) continue;
    const bytes = options.dryRun
      ? staleSize(store, sha, staleBefore)
      : store.objects.collect(sha, staleBefore, (blob) => store.isBlobReferenced(blob));
    if (bytes === 0) continue;
    result.count += 1;
    result.bytes += bytes;
  }
  return result;
}

function staleSize(store: Store, sha: string, staleBefore: number): number {
  try {
    const { size, mtimeMs } = store.objects.stat(sha);
    return mtimeMs > staleBefore ? 0 : size;
  } catch {
    return 0; // removed meanwhile
  }
}
