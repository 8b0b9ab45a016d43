import * as vscode from 'vscode';
import type { CommandTable } from './commands';
import type { DebugTracker } from './debugTrack';
import type { NotebookTracker } from './notebookTrack';

const uriOf = (value: unknown): vscode.Uri | undefined => (value instanceof vscode.Uri ? value : undefined);

/** Commands that record a debug session or a notebook kernel session as a run. */
export function trackCommandTable(debugTracker: DebugTracker, notebooks: NotebookTracker): CommandTable {
  return {
    'labbook.debugCurrentFile': (uri) => debugTracker.debugCurrentFile(uriOf(uri)),
    'labbook.trackNotebook': (uri) => notebooks.track(uriOf(uri)),
    'labbook.stopTrackingNotebook': (uri) => notebooks.stop(uriOf(uri)),
  };
}
