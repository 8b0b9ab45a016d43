import type * as vscode from 'vscode';
import { Reporter } from './errors';
import { startLabbook, type LabbookApi } from './labbook';

/** Activates Labbook: builds its parts and returns the API tests await. Failures are reported in Labbook's own words. */
export function activate(context: vscode.ExtensionContext): LabbookApi {
  const reporter = new Reporter();
  context.subscriptions.push(reporter);
  try {
    return startLabbook(context, reporter);
  } catch (error) {
    reporter.report(new Error(`Labbook failed to start: ${error instanceof Error ? error.message : String(error)}`, { cause: error }), 'activate');
    throw error;
  }
}

/** Nothing to do: everything is disposed through the extension context. */
export function deactivate(): void {}
