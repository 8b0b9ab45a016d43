// Runs with metrics, params, a model file and a data file, written straight into a store, for registry and gate tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../src/core/actor';
import { ModelsService } from '../../src/models/models';
import { Store } from '../../src/store/store';

/** What a seeded run has. */
export interface SeedRun {
  name: string;
  metrics?: Record<string, number[]>;
  params?: Record<string, string>;
  /** Content of its model.pkl output (none when undefined). */
  model?: string;
  /** Content of its train.csv input. */
  data?: string;
  status?: 'FINISHED' | 'FAILED' | 'RUNNING';
  commit?: string;
  dirty?: boolean;
}

/** Writes a finished run into the store and returns its id. */
export function seedRun(store: Store, spec: SeedRun): string {
  const run = store.createRun({
    name: spec.name,
    experimentName: 'iris',
    argv: ['python3', 'train.py'],
    git: { commit: spec.commit ?? null, branch: spec.commit ? 'main' : null, dirty: spec.dirty ?? false },
  });
  if (spec.params) store.logParams(run.id, spec.params);
  const points = Object.entries(spec.metrics ?? {}).flatMap(([key, values]) =>
    values.map((value, step) => ({ key, value, step, timestamp: 1000 + step })),
  );
  if (points.length) store.logMetrics(run.id, points);
  const file = (path: string, content: string, direction: 'input' | 'output', role: 'model' | 'data'): void => {
    const sha256 = store.objects.putBuffer(content);
    store.addArtifact({ runId: run.id, path, sha256, size: Buffer.byteLength(content), role, direction });
  };
  if (spec.model !== undefined) file('model.pkl', spec.model, 'output', 'model');
  if (spec.data !== undefined) file('train.csv', spec.data, 'input', 'data');
  store.setStatus(run.id, spec.status ?? 'FINISHED');
  return run.id;
}

/** A fresh store in a temp folder, and its cleanup. */
export function tempStore(): { store: Store; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-models-'));
  const store = Store.open(join(dir, '.labbook'));
  return {
    store,
    dir,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A models service acting as a fixed test user. */
export function testService(store: Store, actor: Actor = { who: 'Ann <ann@example.com>', source: 'extension' }): ModelsService {
  return new ModelsService(store, actor);
}
