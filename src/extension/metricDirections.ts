// Which way each metric is better: the name tells for most (core/metricDirection); for the rest the user is asked
// once and the answer is kept per workspace, shared by the Runs view's sort and the Runs table's headers.

import * as vscode from 'vscode';
import { metricDirection } from '../core/metricDirection';
import type { MetricDirection } from '../core/metricDirection';

const STATE_KEY = 'labbook.metricDirections';

/** The direction of every metric, from its name or from the user's earlier answer. */
export class MetricDirections {
  constructor(private readonly state: vscode.Memento) {}

  private remembered(): Record<string, MetricDirection> {
    const saved = this.state.get<unknown>(STATE_KEY);
    if (typeof saved !== 'object' || saved === null) return {};
    return Object.fromEntries(
      Object.entries(saved).filter((entry): entry is [string, MetricDirection] => entry[1] === 'lower' || entry[1] === 'higher'),
    );
  }

  /** The direction of `key`, or undefined when neither its name nor an earlier answer tells. */
  get(key: string): MetricDirection | undefined {
    return this.remembered()[key] ?? metricDirection(key);
  }

  /** The known directions of these keys. */
  known(keys: readonly string[]): Record<string, MetricDirection> {
    const saved = this.remembered();
    return Object.fromEntries(
      keys.flatMap((key) => {
        const direction = saved[key] ?? metricDirection(key);
        return direction ? [[key, direction]] : [];
      }),
    );
  }

  /** The direction of `key`, asking the user (once per workspace) when the name does not tell; undefined if dismissed. */
  async resolve(key: string): Promise<MetricDirection | undefined> {
    const known = this.get(key);
    if (known) return known;
    const picked = await vscode.window.showQuickPick(
      [
        { label: '$(arrow-down) Lower is better', description: 'like a loss or an error', direction: 'lower' as const },
        { label: '$(arrow-up) Higher is better', description: 'like an accuracy or a score', direction: 'higher' as const },
      ],
      { title: `Which ${key} is better?`, placeHolder: 'Labbook remembers the answer for this workspace and sorts the best runs first.' },
    );
    if (!picked) return undefined;
    await this.state.update(STATE_KEY, { ...this.remembered(), [key]: picked.direction });
    return picked.direction;
  }
}
