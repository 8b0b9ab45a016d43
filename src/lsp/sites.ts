// What the language server finds in a document: places that name a metric or a param, by text offset.

/** A metric named in the source: a logging call's key, or a key a print statement's text yields. */
export interface MetricSite {
  /** Candidate store keys, preferred first (`val loss: {x}` may be stored as `val_loss` or `loss`). */
  keys: readonly string[];
  /** Offsets of the key's text in the document, end exclusive. */
  start: number;
  end: number;
  /** Offsets of the whole lines of the call that logs or prints it: a hover anywhere there finds the key. */
  lineStart: number;
  lineEnd: number;
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

function distance(site: MetricSite, offset: number): number {
  return offset < site.start ? site.start - offset : Math.max(0, offset - site.end);
}

/**
 * The metric sites a hover at `offset` may show: every site whose logging call's lines hold it, the closest key
 * first (the one under the pointer is at distance 0); the caller shows the first that runs have logged.
 */
export function metricSitesNear(sites: readonly MetricSite[], offset: number): MetricSite[] {
  return sites.filter((site) => site.lineStart <= offset && offset <= site.lineEnd).sort((a, b) => distance(a, offset) - distance(b, offset));
}

/** The site whose key text contains `offset` (the end counts, so a cursor right after the key still hovers it). */
export function siteAt<T extends { start: number; end: number }>(sites: readonly T[], offset: number): T | undefined {
  return sites.find((site) => site.start <= offset && offset <= site.end);
}
