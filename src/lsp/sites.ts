// What the language server finds in a document: places that name a metric or a param, by text offset.

/** A metric named in the source: a logging call's key, or a key a print statement's text yields. */
export interface MetricSite {
  /** Candidate store keys, preferred first (`val loss: {x}` may be stored as `val_loss` or `loss`). */
  keys: readonly string[];
  /** Offsets of the key's text in the document, end exclusive. */
  start: number;
  end: number;
}

/** A param named in the source: a log_param(s) key, an argparse option, or a key of a params file. */
export interface ParamSite {
  /** Candidate param names in the store, preferred first. */
  keys: readonly string[];
  start: number;
  end: number;
  /** The command-line option that sets it (`--lr`), when the document defines one. */
  flag: string | null;
}

/** Everything found in one document. */
export interface DocumentSites {
  metrics: MetricSite[];
  params: ParamSite[];
}

/** The site whose key text contains `offset` (the end counts, so a cursor right after the key still hovers it). */
export function siteAt<T extends { start: number; end: number }>(sites: readonly T[], offset: number): T | undefined {
  return sites.find((site) => site.start <= offset && offset <= site.end);
}
