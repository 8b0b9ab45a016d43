// The user's metric charts first, the runner's system metrics (system/cpu_percent, rss_mb, ...) apart in a
// collapsed section of their own: they are sampled for every run and would otherwise sort among the user's.

import { isSystemMetric, partitionMetricKeys } from '../../src/core/axisScale';
import { el, insertInKeyOrder } from './dom';
import { section } from './sections';

/** Two grids of metric cards, each in key order: the user's, and a collapsed "System" section. */
export class MetricGroups {
  /** The user's metrics. */
  readonly user = el('div', { className: 'charts' });
  private readonly systemGrid = el('div', { className: 'charts system-charts' });
  /** The collapsed section holding the system metrics; hidden while there are none. */
  readonly system = section('System', this.systemGrid);

  constructor() {
    this.system.classList.add('system-section');
    this.system.open = false;
    this.system.hidden = true;
  }

  /** Puts the card of `key` (already in `byKey`) in its group, in key order. */
  insert(byKey: ReadonlyMap<string, { element: Element }>, key: string, element: Element): void {
    const system = isSystemMetric(key);
    const sameGroup = new Map([...byKey].filter(([other]) => isSystemMetric(other) === system));
    insertInKeyOrder(system ? this.systemGrid : this.user, sameGroup, key, element);
    this.count(byKey.keys());
  }

  /** Empties both groups. */
  clear(): void {
    this.user.replaceChildren();
    this.systemGrid.replaceChildren();
    this.count([]);
  }

  /** Shows the system section (with its count) only when there are system metrics; returns the user's count. */
  count(keys: Iterable<string>): number {
    const { user, system } = partitionMetricKeys([...keys]);
    this.system.hidden = system.length === 0;
    this.system.description = system.length > 0 ? String(system.length) : '';
    return user.length;
  }
}
