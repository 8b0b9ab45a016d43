// Talks to a running `labbook serve-model` as any HTTP client would (its discovery file gives the URL and token):
// GET /metrics, parsed with prom2javascript (a maintained Prometheus text-format parser) and mapped by core, and
// GET /labbook/window.csv, the server's current window of inputs, saved as a file for the Drift panel.
// No vscode import: unit tests drive it against a local HTTP server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getMetricsFromIterator } from 'prom2javascript';
import { servingScrape, type Exposition, type ServingScrape } from '../core/servingMetrics';
import type { ServedModel } from '../server/scoring/discovery';

/** How long a scrape or a window download may take before it counts as failed. */
const TIMEOUT_MS = 5000;

/** Parses Prometheus's text exposition format. */
export async function parseExposition(text: string): Promise<Exposition> {
  return (await getMetricsFromIterator(text.split('\n')[Symbol.iterator]())) as unknown as Exposition;
}

async function get(served: ServedModel, path: string): Promise<string> {
  const response = await fetch(new URL(path, served.url), {
    headers: { Authorization: `Bearer ${served.token}` },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`${served.url}${path} answered ${response.status} ${response.statusText}`.trim());
  return response.text();
}

/** One scrape of the server's /metrics, reduced to its model version's figures. */
export async function scrapeServedModel(served: ServedModel, now: () => number = Date.now): Promise<ServingScrape> {
  const exposition = await parseExposition(await get(served, '/metrics'));
  return servingScrape(exposition, served.model, served.version, now());
}

/** Saves the server's current window of inputs as `window.csv` in a new temporary folder; returns its path. */
export async function downloadWindow(served: ServedModel): Promise<string> {
  const text = await get(served, '/labbook/window.csv');
  if (!text.trim()) throw new Error(`${served.model} version ${served.version} has received no inputs yet: send it some predictions first.`);
  const path = join(mkdtempSync(join(tmpdir(), 'labbook-window-')), 'window.csv');
  writeFileSync(path, text);
  return path;
}
