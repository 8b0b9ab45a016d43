// Single click previews, double click or Enter pins: VS Code runs a tree item's command once per click and for
// Enter alike, without saying which, so the gesture is told from the timing of the calls and from Enter's own
// keybinding arming the next call.

/** Two opens of one run closer than this are a double click. */
export const DOUBLE_CLICK_MS = 500;
/** How long Enter's arming waits for the open it causes. */
const ARMED_MS = 2000;

/** How a run's panel opens (see RunPanels). */
export type OpenGestureMode = 'preview' | 'pinned';

/** Tells a tree row's single click from its double click or Enter. */
export class OpenGesture {
  private last: { runId: string; at: number } | undefined;
  private armedUntil = 0;

  /** Enter was pressed: the next open (within a moment) pins. */
  armPin(now: number): void {
    this.armedUntil = now + ARMED_MS;
  }

  /** The tree asked to open `runId` at `now`: how it should open. */
  opened(runId: string, now: number): OpenGestureMode {
    const armed = now < this.armedUntil;
    const double = this.last?.runId === runId && now - this.last.at < DOUBLE_CLICK_MS;
    this.armedUntil = 0;
    this.last = double ? undefined : { runId, at: now };
    return armed || double ? 'pinned' : 'preview';
  }
}
