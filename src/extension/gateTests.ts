// The gates of labbook.yaml as tests in VS Code's Testing view: running one evaluates it on its candidate (the
// latest run unless the gate names another) against its current model, as `labbook gate` does without --promote,
// and shows pass or fail with the gate's report.

import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { CONFIG_FILE_NAMES, loadConfig } from '../capture/config';
import type { GateConfig } from '../capture/gateConfig';
import { evaluateGate } from '../models/gate';
import { ModelsService } from '../models/models';
import { localActor } from '../store/modelAudit';
import type { StoreHost } from './storeHost';

// The test output is a terminal and the message Markdown without HTML: an inline SVG would show as its source.
function withoutCharts(report: string): string {
  return report.replace(/<svg[\s\S]*?<\/svg>/g, '(chart: `labbook gate … --report FILE.md`)');
}

function linesOf(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch {
    return []; // removed since it was read: the watcher loads again
  }
}

/** Id of the Labbook gates' test controller. */
export const GATE_CONTROLLER_ID = 'labbook.gates';

/** Keeps the Testing view's gate items in step with labbook.yaml and runs them. */
export class GateTests implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController(GATE_CONTROLLER_ID, 'Labbook Gates');
  private readonly gates = new Map<string, GateConfig>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly host: StoreHost) {
    this.controller.createRunProfile('Evaluate Gate', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    this.controller.refreshHandler = () => this.load();
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `{${CONFIG_FILE_NAMES.join(',')}}`));
      this.subscriptions.push(
        watcher,
        watcher.onDidCreate(() => this.load()),
        watcher.onDidChange(() => this.load()),
        watcher.onDidDelete(() => this.load()),
      );
    }
    this.load();
  }

  /** Reads the gates of labbook.yaml again and shows one test item per gate. */
  load(): void {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const loaded = folder?.uri.scheme === 'file' ? loadConfig(folder.uri.fsPath) : undefined;
    this.gates.clear();
    const lines = loaded?.path ? linesOf(loaded.path) : [];
    const items = (loaded?.config.gates ?? []).map((gate) => {
      this.gates.set(gate.name, gate);
      const item = this.controller.createTestItem(gate.name, gate.name, loaded?.path ? vscode.Uri.file(loaded.path) : undefined);
      item.description = `${gate.model} vs ${gate.against ?? 'Production'}`;
      // Going to the test opens labbook.yaml at the gate (found by its name; a default name is not in the file).
      const line = lines.findIndex((text) => text.includes(gate.name));
      if (line >= 0) item.range = new vscode.Range(line, 0, line, lines[line].length);
      return item;
    });
    this.controller.items.replace(items);
  }

  private run(request: vscode.TestRunRequest, token: vscode.CancellationToken): void {
    const run = this.controller.createTestRun(request);
    const items: vscode.TestItem[] = [];
    if (request.include) items.push(...request.include);
    else this.controller.items.forEach((item) => items.push(item));
    for (const item of items) {
      if (token.isCancellationRequested || request.exclude?.includes(item)) continue;
      this.evaluate(run, item);
    }
    run.end();
    this.host.wroteHere(); // a gate records its result on the candidate's version
  }

  private evaluate(run: vscode.TestRun, item: vscode.TestItem): void {
    const gate = this.gates.get(item.id);
    const started = Date.now();
    run.started(item);
    try {
      const store = this.host.open(false);
      if (!gate) throw new Error(`labbook.yaml no longer has the gate '${item.id}'.`);
      if (!store) throw new Error('There are no runs in this workspace yet: train a candidate first.');
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const outcome = evaluateGate(store, new ModelsService(store, () => localActor('extension', { cwd: folder })), gate);
      const report = withoutCharts(outcome.report);
      run.appendOutput(report.replace(/\r?\n/g, '\r\n'), undefined, item);
      if (outcome.exitCode === 0) run.passed(item, Date.now() - started);
      else run.failed(item, new vscode.TestMessage(new vscode.MarkdownString(report)), Date.now() - started);
    } catch (error) {
      // Usage or data errors (`labbook gate` exit 2): the gate could not be decided, which is not a failure of the model.
      run.errored(item, new vscode.TestMessage(error instanceof Error ? error.message : String(error)), Date.now() - started);
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.controller.dispose();
  }
}
