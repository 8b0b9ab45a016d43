import * as vscode from 'vscode';

/** The user backed out of a prompt; nothing to report. */
export class Cancelled extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'Cancelled';
  }
}

/** Where Labbook says what went wrong: a short notification, the details in the Labbook output channel. */
export class Reporter implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Labbook', { log: true });

  /** Logs an error with its stack and shows its message, with a way to the details. */
  report(error: unknown, context: string): void {
    if (error instanceof Cancelled) return;
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(`${context}: ${error instanceof Error ? (error.stack ?? message) : message}`);
    void vscode.window.showErrorMessage(message, 'Show Details').then((choice) => {
      if (choice) this.log.show(true);
    });
  }

  /** Wraps a command handler so every failure is reported once, in one way. */
  wrap(id: string, handler: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<void> {
    return async (...args) => {
      try {
        await handler(...args);
      } catch (error) {
        this.report(error, id);
      }
    };
  }

  dispose(): void {
    this.log.dispose();
  }
}
