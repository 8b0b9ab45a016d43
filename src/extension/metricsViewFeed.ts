// What the sidebar Metrics view shows, as messages: which run (the one selected in the Runs view, else the
// live run), its metrics as a snapshot, then increments. The series come from the Run panel's feed, so the
// view and the panel sample, encode and grow series alike. No vscode here: unit tests drive it with a store.

import type { MetricsViewEmptyMessage, MetricsViewRun, MetricsViewSource, MetricsViewToWebview } from '../protocol/metricsView';
import type { RunPanelRun, RunPanelToWebview } from '../protocol/runPanel';
import type { Store } from '../store/store';
import { RunPanelFeed } from './panels/runPanelFeed';

/** Points per series in the view's small charts (the Run panel has the full detail). */
export const METRICS_VIEW_MAX_POINTS = 400;

/** The run to show and why. */
export interface MetricsViewChoice {
  runId: string;
  source: MetricsViewSource;
}

const LIVE = "attributes.status = 'RUNNING'";

/**
 * The selected run (first of the selection) when there is one; else the newest live run; else the live run
 * shown before, which stays after it ends so its final values remain readable.
 */
export function chooseRun(store: Store, selected: readonly string[], previous: MetricsViewChoice | undefined): MetricsViewChoice | undefined {
  const chosen = selected.find((id) => store.findRun(id));
  if (chosen) return { runId: chosen, source: 'selected' };
  const live = store.listRuns({ filter: LIVE, limit: 1 })[0];
  if (live) return { runId: live.id, source: 'live' };
  return previous?.source === 'live' && store.findRun(previous.runId) ? previous : undefined;
}

function viewRun(run: RunPanelRun, source: MetricsViewSource): MetricsViewRun {
  return { id: run.id, name: run.name, experimentName: run.experimentName, status: run.status, startTime: run.startTime, source };
}

/** Feeds the Metrics view: call update() on every store change or selection change. */
export class MetricsViewFeed {
  private choice: MetricsViewChoice | undefined;
  private feed: RunPanelFeed | undefined;
  private shown: MetricsViewRun | undefined;
  /** The empty state the page shows, so it is not sent again on every store change. */
  private empty: MetricsViewEmptyMessage['reason'] | undefined;

  /** The run shown now, if any. */
  get current(): MetricsViewChoice | undefined {
    return this.choice;
  }

  /** Forgets what the page holds (a new page is coming): the next update sends everything. */
  reset(): void {
    this.choice = undefined;
    this.feed = undefined;
    this.shown = undefined;
    this.empty = undefined;
  }

  /** What to post: a whole run when the choice changed, else only what changed in the shown run. */
  update(store: Store | undefined, selected: readonly string[]): MetricsViewToWebview[] {
    const choice = store && chooseRun(store, selected, this.choice);
    if (!store || !choice) return this.showEmpty(store ? 'nothingSelected' : 'noStore');
    if (!this.feed || !this.shown || choice.runId !== this.choice?.runId) return this.show(store, choice);
    const sourceChanged = choice.source !== this.choice.source;
    this.choice = choice;
    const messages = this.feed.poll(store).flatMap((message) => this.translate(message));
    if (sourceChanged && !messages.some((m) => m.type === 'metricsView/runChanged')) {
      this.shown = { ...this.shown, source: choice.source };
      messages.unshift({ type: 'metricsView/runChanged', run: this.shown });
    }
    return messages;
  }

  private showEmpty(reason: MetricsViewEmptyMessage['reason']): MetricsViewToWebview[] {
    this.choice = undefined;
    this.feed = undefined;
    this.shown = undefined;
    if (this.empty === reason) return [];
    this.empty = reason;
    return [{ type: 'metricsView/empty', reason }];
  }

  private show(store: Store, choice: MetricsViewChoice): MetricsViewToWebview[] {
    const feed = new RunPanelFeed(choice.runId, { maxPoints: METRICS_VIEW_MAX_POINTS, consoleLines: 1 });
    const snapshot = feed.snapshot(store, 0);
    // Deleted between the choice and the read: the next update chooses again.
    if (snapshot.type !== 'runPanel/snapshot') return this.showEmpty('nothingSelected');
    this.choice = choice;
    this.feed = feed;
    this.empty = undefined;
    this.shown = viewRun(snapshot.run, choice.source);
    return [{ type: 'metricsView/show', run: this.shown, metrics: snapshot.metrics }];
  }

  private translate(message: RunPanelToWebview): MetricsViewToWebview[] {
    switch (message.type) {
      case 'runPanel/metricsAppended':
        return [{ type: 'metricsView/metricsAppended', series: message.series }];
      case 'runPanel/metricsReplaced':
        return [{ type: 'metricsView/metricsReplaced', series: message.series }];
      case 'runPanel/runChanged':
        this.shown = viewRun(message.run, this.choice!.source);
        return [{ type: 'metricsView/runChanged', run: this.shown }];
      default:
        // Console output is not shown here; a deleted run is noticed by chooseRun on the next update.
        return [];
    }
  }
}
