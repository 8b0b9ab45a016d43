// Keeps the figures of every running model server: each tick lists the servers (their discovery files), scrapes
// each one's /metrics, turns two successive scrapes into figures (core/servingMetrics) and keeps the last minutes
// of them; when a server's drift share passes the alert threshold it calls onAlert, once per crossing.
// No vscode import: the Monitoring view and the alert are its listeners, and unit tests drive it with fakes.
import { driftAlertDue, servingFigures, type ServingScrape } from '../core/servingMetrics';
import type { MonitoredServer } from '../protocol/monitoringView';
import type { ServedModel } from '../server/scoring/discovery';

/** How many figures a server keeps: 5 minutes at one scrape every 2 s. */
export const KEPT_POINTS = 150;

/** What the watch needs from its surroundings. */
export interface ServingWatchDeps {
  /** The running servers now. */
  list(): ServedModel[];
  scrape(served: ServedModel): Promise<ServingScrape>;
  /** labbook.drift.alertShare as it is now. */
  alertShare(): number;
  /** A server's drift share has just passed the threshold. */
  onAlert(served: ServedModel, share: number): void;
}

interface Watched {
  served: ServedModel;
  last?: ServingScrape;
  points: MonitoredServer['points'];
  /** The last known drift share (a failed scrape does not forget it, so it does not alert twice). */
  share: number | null;
  error?: string;
}

/** The running servers and their figures, updated by tick(). */
export class ServingWatch {
  private readonly watched = new Map<number, Watched>();

  constructor(private readonly deps: ServingWatchDeps) {}

  /** Lists the servers and scrapes each one once; servers that stopped are dropped. */
  async tick(): Promise<void> {
    const servers = this.deps.list();
    const alive = new Set(servers.map((s) => s.pid));
    for (const pid of this.watched.keys()) if (!alive.has(pid)) this.watched.delete(pid);
    await Promise.all(servers.map((served) => this.scrapeOne(served)));
  }

  /** The servers as the Monitoring view shows them, oldest first. */
  servers(): MonitoredServer[] {
    const alertShare = this.deps.alertShare();
    return [...this.watched.values()].map(({ served, points, error }) => ({
      id: String(served.pid),
      model: served.model,
      version: served.version,
      ...(served.stage ? { stage: served.stage } : {}),
      url: served.url,
      startedAt: served.startedAt,
      points: [...points],
      alertShare,
      ...(error ? { error } : {}),
    }));
  }

  /** The server with this process id, while it runs. */
  server(pid: number): ServedModel | undefined {
    return this.watched.get(pid)?.served;
  }

  private async scrapeOne(served: ServedModel): Promise<void> {
    let entry = this.watched.get(served.pid);
    if (!entry) {
      entry = { served, points: [], share: null };
      this.watched.set(served.pid, entry);
    }
    let scrape: ServingScrape;
    try {
      scrape = await this.deps.scrape(served);
    } catch (error) {
      entry.error = `Cannot read ${served.url}/metrics: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    entry.error = undefined;
    if (entry.last) entry.points = [...entry.points, servingFigures(entry.last, scrape)].slice(-KEPT_POINTS);
    entry.last = scrape;
    if (scrape.driftShare === null) return;
    if (driftAlertDue(entry.share, scrape.driftShare, this.deps.alertShare())) this.deps.onAlert(served, scrape.driftShare);
    entry.share = scrape.driftShare;
  }
}
