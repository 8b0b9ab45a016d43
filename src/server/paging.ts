// Page tokens: an opaque base64url of the next offset, so clients can follow next_page_token.
import { invalid } from './fields';

/** A page of items and the token of the next page, if any. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** The token that resumes at `offset`. */
export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

/** The offset a page token resumes at (0 without a token); a token this server did not make is a 400. */
export function offsetOf(token: string | undefined): number {
  if (!token) return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const offset = typeof parsed === 'object' && parsed !== null ? (parsed as { offset?: unknown }).offset : undefined;
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error below
  }
  throw invalid(`Invalid page_token '${token.slice(0, 40)}'.`);
}

/** One page of an in-memory list. */
export function pageOf<T>(items: readonly T[], maxResults: number, token: string | undefined): Page<T> {
  const offset = offsetOf(token);
  const end = offset + maxResults;
  return { items: items.slice(offset, end), ...(end < items.length ? { nextPageToken: pageToken(end) } : {}) };
}

/** A list answer: `{<field>: items}` plus next_page_token when there is a next page. */
export function pagedJson(field: string, items: readonly object[], nextPageToken: string | undefined): object {
  return { [field]: items, ...(nextPageToken ? { next_page_token: nextPageToken } : {}) };
}
