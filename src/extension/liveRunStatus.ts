import * as vscode from 'vscode';
import { liveRunText } from '../core/runPresentation';
import type { RunListing } from '../core/types';
import type { StoreHost } from './storeHost';

const LIVE_FILTER = "attributes.status = 'RUNNING'";

/** A status bar item for the newest live run: name, latest primary metric, elapsed time; a click opens its panel. */
export class LiveRunStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('labbook.liveRun', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;
  private live: RunListing[] = [];
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: StoreHost,
    /** The primary metric of an experiment, as the Runs view shows it (undefined: chosen from the run's metrics). */
    private readonly primaryMetricOf: (experiment: string) => string | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Labbook Live Run';
    this.subscription = host.onDidChange(() => this.refresh());
    this.refresh();
  }

  /** Live runs, newest first, as last read. */
  get runs(): readonly RunListing[] {
    return this.live;
  }

  private refresh(): void {
    try {
      this.live = this.host.store?.listRuns({ filter: LIVE_FILTER, limit: 20 }) ?? [];
    } catch (error) {
      this.log.warn(`Reading live runs failed: ${(error as Error).message}`);
      this.live = [];
    }
    void vscode.commands.executeCommand('setContext', 'labbook.hasLiveRuns', this.live.length > 0);
    if (this.live.length === 0) {
      this.stopTicking();
      this.item.hide();
      return;
    }
    const run = this.live[0];
    this.item.command = { command: 'labbook.openRun', title: 'Open Run', arguments: [run.id] };
    this.item.tooltip = `Labbook: ${this.live.length === 1 ? 'run' : `${this.live.length} runs`} in progress. Click to open ${run.name}.`;
    this.render();
    this.item.show();
    // Elapsed time moves every second; nothing else needs the store for that.
    this.ticker ??= setInterval(() => this.render(), 1000);
  }

  private render(): void {
    const run = this.live[0];
    if (!run) return;
    const text = liveRunText(run, this.primaryMetricOf(run.experimentName), Date.now(), this.live.length - 1);
    // A run name may contain $(icon) syntax; escaped, it shows as typed.
    this.item.text = `$(loading~spin) ${text.replace(/\$\(/g, '\\$(')}`;
    this.item.accessibilityInformation = { label: `Labbook run ${text}` };
  }

  private stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  dispose(): void {
    this.stopTicking();
    this.subscription.dispose();
    this.item.dispose();
  }
}
