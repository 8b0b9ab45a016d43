// What a Run panel page saves as its webview state that the host reads back: no vscode import, so unit tests load it.

const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * The run id a restored panel's saved webview state names, or undefined when the state is not one the Run panel
 * page saved (an older page, or tampered with): it came from the webview, so it is checked, never trusted.
 */
export function runIdOfPanelState(state: unknown): string | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const runId = (state as { runId?: unknown }).runId;
  return typeof runId === 'string' && RUN_ID.test(runId) ? runId : undefined;
}
