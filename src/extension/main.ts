import type * as vscode from 'vscode';
import { Reporter } from './errors';
import { startLabbook } from './labbook';

/** Activates Labbook: builds and registers its parts. Failures are reported in Labbook's own words. */
export function activate(context: vscode.ExtensionContext): void {
  const reporter = new Reporter();
  context.subscriptions.push(reporter);
  try {
    startLabbook(context, reporter);
  } catch (error) {
    reporter.report(new Error(`Labbook failed to start: ${error instanceof Error ? error.message : String(error)}`, { cause: error }), 'activate');
    throw error;
  }
}

/** Nothing to do: everything is disposed through the extension context. */
export function deactivate(): void {}
