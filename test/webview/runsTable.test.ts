// The Runs table webview in headless chromium, under the host's real HTML and CSP, fed by the real host feed
// (src/extension/panels/runsTableFeed.ts) over a temp store seeded with the shared fixture runs that
// test/unit/runsTable.test.ts checks the feed sends; a second store holds 10,000 wide runs for virtualization.
// Run: node esbuild.mjs && node --import tsx --test test/webview/runsTable.test.ts
process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunsTableFeed } from '../../src/extension/panels/runsTableFeed';
import { DEFAULT_RUNS_TABLE_QUERY, MAX_ROWS_PER_REQUEST, parseRunsTableMessage } from '../../src/protocol/runsTable';
import type { RunsTableFromWebview, RunsTableQuery, RunsTableRowsMessage, RunsTableSnapshotMessage } from '../../src/protocol/runsTable';
import { Store } from '../../src/store/store';
import { HOSTILE_NAME, START, seedTableRuns, seedWideRuns } from '../fixtures/runsTable/runs';
import type { ThemeKind, WebviewPage } from './harness';
import { webviewSuite } from './pageSuite';
import { connectionOf } from '../../src/store/connection';

/** Two hours after the first fixture run started, so durations are fixed. */
const NOW = START + 120 * 60_000;
const WIDE_RUNS = 10_000;

const suite = webviewSuite('runsTablePanel');
const dirs: string[] = [];
let store: Store;
let wide: Store;
let ids: string[];
const feed = new RunsTableFeed();

function tempStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-table-web-'));
  dirs.push(dir);
  return Store.open(join(dir, '.labbook'));
}

before(() => {
  store = tempStore();
  ids = seedTableRuns(store);
  wide = tempStore();
  connectionOf(wide).transaction(() => seedWideRuns(wide, WIDE_RUNS))();
});
after(() => {
  store?.close();
  wide?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** What the feed sends for a query, through JSON as VS Code carries it. */
function snapshotOf(query: Partial<RunsTableQuery> = {}, columns?: string[], from = store): RunsTableSnapshotMessage {
  const message = feed.snapshot(from, { ...DEFAULT_RUNS_TABLE_QUERY, ...query }, columns, NOW);
  assert.equal(message.type, 'runsTable/snapshot', JSON.stringify(message));
  return JSON.parse(JSON.stringify(message)) as RunsTableSnapshotMessage;
}

async function open(theme: ThemeKind = 'dark', savedState?: unknown, viewport?: { width: number; height: number }): Promise<WebviewPage> {
  return suite.open({ theme, savedState, viewport, readyType: 'runsTable/ready' });
}

async function shown(page: WebviewPage, snapshot: RunsTableSnapshotMessage): Promise<void> {
  await page.send(snapshot);
  await page.page.waitForFunction(
    (generation) => window.labbookRunsTable?.generation() === generation && document.querySelector('main')?.getAttribute('aria-busy') === 'false',
    snapshot.generation,
  );
}

/** The page's messages of one type, each checked by the host's own validator. */
async function postedOf<T extends RunsTableFromWebview['type']>(page: WebviewPage, type: T): Promise<Extract<RunsTableFromWebview, { type: T }>[]> {
  const { posted } = await page.recorded();
  return posted.flatMap((raw) => {
    const parsed = parseRunsTableMessage(raw);
    assert.ok(parsed.ok, `the host accepts ${JSON.stringify(raw).slice(0, 200)}`);
    return parsed.message.type === type ? [parsed.message as Extract<RunsTableFromWebview, { type: T }>] : [];
  });
}

/** Waits for the n-th message of a type and returns it, checked. */
async function nthPosted<T extends RunsTableFromWebview['type']>(
  page: WebviewPage,
  type: T,
  n: number,
): Promise<Extract<RunsTableFromWebview, { type: T }>> {
  await page.page.waitForFunction(
    ({ type, n }) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === type).length >= n,
    { type, n },
  );
  return (await postedOf(page, type))[n - 1];
}

/** Cell texts of the rows in the DOM (the star cell left out), in table order. */
async function gridRows(page: WebviewPage): Promise<{ id: string; cells: string[] }[]> {
  return page.page.evaluate(() => {
    const order = window.labbookRunsTable!.renderedRowIds();
    return order.map((id) => {
      const row = document.querySelector(`.row[data-run-id="${id}"]`)!;
      return { id, cells: [...row.querySelectorAll('.cell:not(.star)')].map((cell) => cell.textContent ?? '') };
    });
  });
}

function rowOf(page: WebviewPage, id: string) {
  return page.page.locator(`.row[data-run-id="${id}"]`);
}

describe('Runs table webview', () => {
  it('paints the feed’s first rows with every run string as text', async () => {
    const page = await open();
    assert.deepEqual(parseRunsTableMessage((await page.recorded()).posted[0]), { ok: true, message: { type: 'runsTable/ready' } });
    const snapshot = snapshotOf();
    await shown(page, snapshot);
    assert.deepEqual(
      await page.page.locator('.header-cell .header-label').allTextContents(),
      snapshot.columns.map((c) => c.label),
    );
    const rows = await gridRows(page);
    assert.deepEqual(
      rows.map((r) => r.id),
      snapshot.runIds,
    );
    assert.deepEqual(
      rows.map((r) => r.cells),
      snapshot.runIds.map((id) => snapshot.rows.find((row) => row.id === id)!.cells.map((cell) => cell ?? '')),
    );
    assert.ok(
      rows.some((r) => r.cells.includes(HOSTILE_NAME)),
      'the hostile name is shown as text',
    );
    assert.ok(rows.some((r) => r.cells.includes('<script>alert(1)</script>')));
    const markup = await page.page.evaluate(() => ({
      images: document.querySelectorAll('img, script:not([src]), b').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
    }));
    assert.deepEqual(markup, { images: 0, pwned: undefined });
    assert.equal(await page.page.locator('.run-count').textContent(), '7 of 7 runs');
    // Numbers right-aligned, status as icon plus text, starred runs marked.
    assert.equal(
      await page.page
        .locator('.row .cell.numeric')
        .first()
        .evaluate((e) => getComputedStyle(e).textAlign),
      'right',
    );
    const hostile = rowOf(page, ids[3]);
    assert.equal(await hostile.locator('.star-toggle').getAttribute('aria-pressed'), 'true');
    assert.equal(await hostile.locator('.status-cell').evaluate((e) => getComputedStyle(e, '::before').content), '"✓"');
    assert.equal(await hostile.locator('.cell').nth(2).getAttribute('title'), HOSTILE_NAME, 'long text has a title');
    // What VS Code hands the row's context menu commands (package.json webview/context).
    const context = async (index: number): Promise<unknown> =>
      JSON.parse((await rowOf(page, ids[index]).getAttribute('data-vscode-context')) ?? 'null');
    assert.deepEqual(await context(6), { webviewSection: 'run', runId: ids[6], runState: 'live', preventDefaultContextMenuItems: true });
    assert.deepEqual(await context(3), { webviewSection: 'run', runId: ids[3], runState: 'ended', preventDefaultContextMenuItems: true });
    await page.screenshot('runs-table-dark');
  });

  it('sorts by a header click (again flips, a third time removes) and adds terms with Shift+click', async () => {
    const page = await open('light');
    await shown(page, snapshotOf());
    const header = (label: string) =>
      page.page.locator('.header-cell', { has: page.page.locator('.header-label', { hasText: new RegExp(`^${label}$`) }) });
    await header('lr').click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 1)).query.sort, [{ columnId: 'param:lr', descending: false }]);
    await shown(page, snapshotOf({ sort: [{ columnId: 'param:lr', descending: false }] }));
    // Params that read as numbers sort as numbers on the host: 0.001 first, 10 last.
    assert.deepEqual(
      (await gridRows(page)).map((r) => r.id),
      [3, 1, 6, 4, 0, 5, 2].map((i) => ids[i]),
    );
    assert.equal(await header('lr').getAttribute('aria-sort'), 'ascending');
    await header('lr').click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 2)).query.sort, [{ columnId: 'param:lr', descending: true }]);
    // loss: lower is better, so its first click sorts ascending (best first).
    const two = [
      { columnId: 'param:lr', descending: true },
      { columnId: 'metric:last:loss', descending: false },
    ];
    await header('loss').click({ modifiers: ['Shift'] });
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 3)).query.sort, two);
    await shown(page, snapshotOf({ sort: two }));
    // In column order: loss (a metric) comes before lr (a param).
    assert.deepEqual(await page.page.locator('.header-cell.sorted .sort-indicator').allTextContents(), ['↑2', '↓1']);
    assert.equal(await header('loss').getAttribute('aria-sort'), 'ascending');
    await page.screenshot('runs-table-light-sorted');
    await header('lr').click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 4)).query.sort, [], 'a third click on a descending column removes the sort');
    // From the keyboard: the headers are one tab stop, arrows move along them, Enter sorts.
    await header('Status').focus();
    await page.page.keyboard.press('ArrowRight');
    await page.page.keyboard.press('Enter');
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 5)).query.sort, [{ columnId: 'attribute:name', descending: false }]);
  });

  it('completes the filter from the keyboard and applies it with Enter', async () => {
    const page = await open();
    await shown(page, snapshotOf());
    const input = page.page.locator('.filter-input');
    const options = page.page.locator('.completions li .completion-label');
    await input.focus();
    await input.pressSequentially('met');
    assert.deepEqual(await options.allTextContents(), ['metrics.']);
    await page.page.keyboard.press('Enter');
    assert.equal(await input.inputValue(), 'metrics.');
    assert.deepEqual(await options.allTextContents(), ['acc', 'loss']);
    await page.page.keyboard.press('ArrowDown');
    assert.equal(await page.page.locator('.completions li[aria-selected="true"] .completion-label').textContent(), 'loss');
    await page.page.keyboard.press('Tab');
    assert.equal(await input.inputValue(), 'metrics.loss ');
    assert.deepEqual(await options.allTextContents(), ['=', '!=', '<', '<=', '>', '>=']);
    await page.screenshot('runs-table-completion');
    await page.page.keyboard.press('Escape');
    assert.equal(await page.page.locator('.completions').isHidden(), true);
    await input.pressSequentially('< 1 AND attributes.st');
    await page.page.keyboard.press('Enter');
    await page.page.keyboard.press('Enter');
    assert.equal(await input.inputValue(), 'metrics.loss < 1 AND attributes.status = ');
    assert.deepEqual((await options.allTextContents()).slice(0, 3), ['RUNNING', 'SCHEDULED', 'FINISHED']);
    await page.page.keyboard.press('ArrowDown');
    await page.page.keyboard.press('ArrowDown');
    await page.page.keyboard.press('Enter');
    assert.equal(await page.page.locator('.completions').isHidden(), true);
    await page.page.keyboard.press('Enter');
    const filter = "metrics.loss < 1 AND attributes.status = 'FINISHED'";
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 1)).query, { ...DEFAULT_RUNS_TABLE_QUERY, filter });
    await shown(page, snapshotOf({ filter }));
    assert.deepEqual(
      (await gridRows(page)).map((r) => r.id),
      [ids[3], ids[1], ids[0]],
    );
    assert.equal(await page.page.locator('.run-count').textContent(), '3 of 7 runs');
  });

  it('shows a filter the host refuses with the position marked, and keeps the rows', async () => {
    const page = await open('high-contrast');
    const snapshot = snapshotOf();
    await shown(page, snapshot);
    await page.page.locator('.filter-input').fill("params.lr = 0.1 AND tags.team = 'x'");
    await page.page.locator('.filter-input').press('Enter');
    const { query } = await nthPosted(page, 'runsTable/setQuery', 1);
    const answer = feed.snapshot(store, query, undefined, NOW);
    assert.equal(answer.type, 'runsTable/filterError');
    await page.send(answer);
    const error = page.page.locator('.filter-error');
    await error.waitFor();
    assert.equal(await error.locator('.filter-message').textContent(), answer.type === 'runsTable/filterError' ? answer.message : '');
    assert.equal(await error.locator('mark').textContent(), '0', 'the mark is on the unquoted value');
    assert.equal(await page.page.locator('.filter-input').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(
      (await gridRows(page)).map((r) => r.id),
      snapshot.runIds,
      'the last good rows stay',
    );
    // Live runs refresh the last good query every second: the refused text and its error stay.
    await page.page.locator('.grid').focus();
    await shown(page, snapshotOf());
    assert.equal(await error.isVisible(), true);
    assert.equal(await page.page.locator('.filter-input').inputValue(), query.filter);
    await page.screenshot('runs-table-high-contrast-filter-error');
    // A quick filter still builds on the last good filter, not the refused text.
    await page.page.locator('.chip', { hasText: 'Failed' }).click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 2)).query, { ...DEFAULT_RUNS_TABLE_QUERY, statuses: ['FAILED'] });
  });

  it('posts quick filters, shows “No runs match” and clears filters', async () => {
    const page = await open();
    await shown(page, snapshotOf());
    await page.page.locator('.chip', { hasText: 'Finished' }).click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 1)).query.statuses, ['FINISHED']);
    await page.page.locator('.chip', { hasText: 'Killed' }).click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 2)).query.statuses, ['FINISHED', 'KILLED']);
    await page.page.locator('.chip', { hasText: 'Starred' }).click();
    const query = (await nthPosted(page, 'runsTable/setQuery', 3)).query;
    assert.deepEqual(query, { ...DEFAULT_RUNS_TABLE_QUERY, statuses: ['FINISHED', 'KILLED'], starredOnly: true });
    await shown(page, snapshotOf(query));
    assert.deepEqual(
      (await gridRows(page)).map((r) => r.id),
      [ids[3], ids[0]],
    );
    assert.equal(await page.page.locator('.chip', { hasText: 'Killed' }).getAttribute('aria-pressed'), 'true');
    await shown(page, snapshotOf({ ...query, filter: 'metrics.acc > 5' }));
    assert.equal(await page.page.locator('.empty-state h2').textContent(), 'No runs match');
    assert.equal(await page.page.locator('.grid').isHidden(), true);
    await page.page.locator('.clear-filters').click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 4)).query, DEFAULT_RUNS_TABLE_QUERY);
    const sweep = snapshotOf().experiments.find((e) => e.name === 'sweep')!;
    await page.page.locator('.experiment-select').click();
    await page.page.locator('.experiment-select').getByRole('option', { name: 'sweep', exact: true }).click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 5)).query.experimentId, sweep.id);
  });

  it('says there are no runs yet, and shows host errors in a banner', async () => {
    const page = await open();
    const empty = tempStore();
    try {
      await shown(page, snapshotOf({}, undefined, empty));
    } finally {
      empty.close();
    }
    assert.equal(await page.page.locator('.empty-state h2').textContent(), 'No runs yet');
    assert.match((await page.page.locator('.empty-state p').textContent()) ?? '', /Labbook: Run and Track/);
    await page.send({ type: 'runsTable/error', message: 'The store is locked <b>now</b>' });
    assert.equal(await page.page.locator('[role="alert"].banner').textContent(), 'The store is locked <b>now</b>');
  });

  it('chooses columns in a searchable dialog and posts them', async () => {
    const page = await open();
    const snapshot = snapshotOf();
    await shown(page, snapshot);
    await page.page.locator('.columns-button').click();
    const dialog = page.page.locator('[role="dialog"].column-chooser');
    await dialog.waitFor();
    assert.equal(await dialog.locator('input[data-column-id="param:lr"]').isChecked(), true);
    await dialog.locator('.column-search').fill('ac');
    assert.deepEqual(await dialog.locator('.column-row:visible').evaluateAll((rows) => rows.map((r) => r.textContent)), ['acclastminmax']);
    await dialog.locator('input[data-column-id="metric:min:acc"]').check();
    await dialog.locator('.column-search').fill('');
    await dialog.locator('input[data-column-id="param:epochs"]').uncheck();
    await dialog.locator('input[data-column-id="tag:team"]').check();
    await page.screenshot('runs-table-column-chooser');
    await dialog.locator('.column-apply').click();
    const columns = snapshot.columns
      .map((c) => c.id)
      .filter((id) => id !== 'param:epochs')
      .concat('metric:min:acc', 'tag:team');
    assert.deepEqual((await nthPosted(page, 'runsTable/setColumns', 1)).columns, columns);
    assert.equal(await dialog.isHidden(), true);
    await shown(page, snapshotOf({}, columns));
    const labels = await page.page.locator('.header-cell .header-label').allTextContents();
    assert.deepEqual(labels.slice(-2), ['acc (min)', 'team']);
    const hostile = (await gridRows(page)).find((r) => r.id === ids[3])!;
    assert.deepEqual(hostile.cells.slice(-2), ['0.6', '<b>bold</b>']);
  });

  it('selects with click, Ctrl+click, Shift+click, keyboard and Ctrl+A; compares, exports, stars and opens', async () => {
    const page = await open();
    const snapshot = snapshotOf();
    await shown(page, snapshot);
    const order = snapshot.runIds;
    const nameCell = (id: string) => rowOf(page, id).locator('.cell').nth(2);
    assert.equal(await page.page.locator('.compare-button').evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled), true);
    await page.page.locator('.export-button').click();
    assert.deepEqual(await nthPosted(page, 'runsTable/exportCsv', 1), { type: 'runsTable/exportCsv', runIds: null });
    await nameCell(order[1]).click();
    await nameCell(order[4]).click({ modifiers: ['ControlOrMeta'] });
    assert.deepEqual(await page.page.evaluate(() => window.labbookRunsTable!.selection()), [order[1], order[4]]);
    assert.equal(await page.page.locator('.selected-count').textContent(), '2 selected');
    await page.page.locator('.compare-button').click();
    assert.deepEqual(await nthPosted(page, 'runsTable/compare', 1), { type: 'runsTable/compare', runIds: [order[1], order[4]] });
    await page.page.locator('.export-button').click();
    assert.deepEqual((await nthPosted(page, 'runsTable/exportCsv', 2)).runIds, [order[1], order[4]]);
    await nameCell(order[2]).click({ modifiers: ['Shift'] });
    assert.deepEqual(await page.page.evaluate(() => window.labbookRunsTable!.selection()), order.slice(2, 5), 'a range from the anchor');
    // Keyboard: focus moves with the arrows, Space toggles, Enter opens, Ctrl+A selects all.
    await page.page.keyboard.press('ArrowDown');
    await page.page.keyboard.press('ArrowDown');
    assert.equal(await page.page.evaluate(() => window.labbookRunsTable!.focused()), order[4]);
    await page.page.keyboard.press('Space');
    assert.deepEqual(await page.page.evaluate(() => window.labbookRunsTable!.selection()), order.slice(2, 4));
    await page.page.keyboard.press('Enter');
    assert.deepEqual(await nthPosted(page, 'runsTable/openRun', 1), { type: 'runsTable/openRun', runId: order[4] });
    await page.page.keyboard.press('ControlOrMeta+a');
    assert.equal(await page.page.locator('.selected-count').textContent(), '7 selected');
    await page.page.keyboard.press('Escape');
    assert.equal(await page.page.locator('.selected-count').textContent(), '');
    await nameCell(order[0]).dblclick();
    assert.deepEqual((await nthPosted(page, 'runsTable/openRun', 2)).runId, order[0]);
    await rowOf(page, order[5]).locator('.star-toggle').click();
    assert.deepEqual(await nthPosted(page, 'runsTable/toggleStar', 1), { type: 'runsTable/toggleStar', runId: order[5] });
    // The selection survives a snapshot by id; ids that are gone are dropped. It is saved with the page state.
    await nameCell(order[2]).click();
    await nameCell(order[6]).click({ modifiers: ['ControlOrMeta'] });
    await shown(page, snapshotOf({ statuses: ['FINISHED'] }));
    assert.deepEqual(await page.page.evaluate(() => window.labbookRunsTable!.selection()), [ids[0]]);
    const state = await page.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual(state, { scrollTop: 0, selected: [ids[0]], focused: ids[0], widths: {} });
    await page.screenshot('runs-table-selection');
  });

  it('resizes a column by dragging its header edge and keeps the width with the page state', async () => {
    const page = await open('light');
    await shown(page, snapshotOf());
    const handle = page.page.locator('.header-cell[data-column-id="attribute:name"] .resize-handle');
    const box = (await handle.boundingBox())!;
    await page.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.page.mouse.down();
    await page.page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2, { steps: 4 });
    await page.page.mouse.up();
    const nameWidth = () =>
      rowOf(page, ids[0])
        .locator('.cell')
        .nth(2)
        .evaluate((cell) => cell.getBoundingClientRect().width);
    assert.equal(await nameWidth(), 300);
    assert.equal(
      await page.page.locator('.header-cell[data-column-id="attribute:name"]').evaluate((cell) => cell.getBoundingClientRect().width),
      300,
    );
    await page.page.waitForFunction(
      () => (window as unknown as { __state?: { widths?: Record<string, number> } }).__state?.widths?.['attribute:name'] === 300,
    );
    assert.deepEqual(
      (await page.recorded()).posted.filter((m) => (m as { type: string }).type === 'runsTable/setQuery'),
      [],
      'a resize does not sort',
    );
    const state = await page.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    await page.page.context().close();
    const again = await open('light', state);
    await shown(again, snapshotOf());
    assert.equal(
      await rowOf(again, ids[0])
        .locator('.cell')
        .nth(2)
        .evaluate((cell) => cell.getBoundingClientRect().width),
      300,
    );
  });

  it('restores the saved selection and scroll position', async () => {
    const snapshot = snapshotOf({}, undefined, wide);
    const middle = snapshot.runIds[5000];
    const page = await open('dark', { scrollTop: 5000 * 24, selected: [middle, 'f'.repeat(32)], focused: middle });
    await shown(page, snapshot);
    await page.page.waitForFunction((id) => window.labbookRunsTable!.renderedRowIds().includes(id), middle);
    assert.deepEqual(await page.page.evaluate(() => window.labbookRunsTable!.selection()), [middle]);
    assert.equal(await rowOf(page, middle).getAttribute('aria-selected'), 'true');
  });

  it('keeps 10,000 runs virtualized: bounded DOM rows, rows asked for as the range changes', async () => {
    const page = await open('dark', undefined, { width: 1280, height: 800 });
    const snapshot = snapshotOf({}, undefined, wide);
    assert.equal(snapshot.runIds.length, WIDE_RUNS);
    assert.equal(snapshot.columns.length, 20);
    await shown(page, snapshot);
    const first = await gridRows(page);
    assert.ok(first.length > 20 && first.length < 80, `${first.length} rows in the DOM`);
    // Only the columns in view (and two more) hold text; scrolling right writes the others.
    const visible = first[0].cells.length - [...first[0].cells].reverse().findIndex((text) => text !== '');
    assert.ok(visible >= 10 && visible < 20, `${visible} columns written`);
    assert.deepEqual(
      first[0].cells.slice(0, visible),
      snapshot.rows[0].cells.slice(0, visible).map((c) => c ?? ''),
    );
    await page.page.locator('.grid').evaluate((grid) => {
      grid.scrollLeft = grid.scrollWidth;
    });
    await page.page.waitForFunction(
      (id) => document.querySelector(`.row[data-run-id="${id}"] .cell:last-child`)?.textContent !== '',
      snapshot.rows[0].id,
    );
    assert.deepEqual(
      (await gridRows(page))[0].cells.slice(-5),
      snapshot.rows[0].cells.slice(-5).map((c) => c ?? ''),
    );
    await page.page.locator('.grid').evaluate((grid) => {
      grid.scrollLeft = 0;
    });
    assert.equal(await page.page.locator('.run-count').textContent(), '10,000 of 10,000 runs');
    // The first paint asks only for the few rows ahead that the snapshot did not carry.
    await page.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const ahead = await postedOf(page, 'runsTable/requestRows');
    assert.ok(ahead.length <= 1 && ahead.every((r) => r.runIds.every((id) => snapshot.runIds.indexOf(id) >= snapshot.rows.length)));
    // Jump to the middle: placeholders, then one request for the new range.
    await page.page.locator('.grid').evaluate((grid) => {
      grid.scrollTop = 5000 * 24;
    });
    const request = await nthPosted(page, 'runsTable/requestRows', ahead.length + 1);
    assert.equal(request.generation, snapshot.generation);
    assert.ok(request.runIds.length > 20 && request.runIds.length <= MAX_ROWS_PER_REQUEST);
    const at = snapshot.runIds.indexOf(request.runIds[0]);
    assert.ok(at > 4900 && at < 5100, `asked from row ${at}`);
    assert.ok((await page.page.locator('.row.placeholder').count()) > 0);
    const rows: RunsTableRowsMessage = JSON.parse(
      JSON.stringify(
        feed.rows(
          wide,
          request.generation,
          request.runIds,
          snapshot.columns.map((c) => c.id),
          NOW,
        ),
      ),
    );
    await page.send(rows);
    await page.page.waitForFunction(() => document.querySelectorAll('.row.placeholder').length === 0);
    const middle = await gridRows(page);
    assert.ok(middle.length < 80, `${middle.length} rows in the DOM`);
    assert.deepEqual(
      middle.find((r) => r.id === rows.rows[0].id)?.cells.slice(0, 10),
      rows.rows[0].cells.slice(0, 10).map((c) => c ?? ''),
    );
    // Rows already here or on their way are not asked for again; a new generation asks again but keeps drawing the stale rows.
    await page.page.locator('.grid').evaluate((grid) => {
      grid.scrollTop += 24;
    });
    await page.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const asked = (await postedOf(page, 'runsTable/requestRows')).flatMap((r) => r.runIds);
    assert.equal(new Set(asked).size, asked.length, 'no row is asked for twice in a generation');
    const before = (await postedOf(page, 'runsTable/requestRows')).length;
    const again = snapshotOf({}, undefined, wide);
    await shown(page, again);
    const refresh = await nthPosted(page, 'runsTable/requestRows', before + 1);
    assert.equal(refresh.generation, again.generation);
    assert.equal(await page.page.locator('.row.placeholder').count(), 0, 'stale rows stay drawn meanwhile');
    await page.screenshot('runs-table-10k-middle');
    // A live refresh kept the place; a new query starts at the top.
    assert.ok((await page.page.locator('.grid').evaluate((grid) => grid.scrollTop)) > 100_000);
    await shown(page, snapshotOf({ sort: [{ columnId: 'attribute:name', descending: false }] }, undefined, wide));
    assert.equal(await page.page.locator('.grid').evaluate((grid) => grid.scrollTop), 0);
  });
});

describe('Runs table: metrics first, name pinned', () => {
  const viewports = [
    { width: 1400, height: 900 },
    { width: 1024, height: 768 },
  ];
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    for (const viewport of viewports) {
      it(`shows metrics without scrolling and keeps status and name at the left while scrolling sideways (${theme}, ${viewport.width}x${viewport.height})`, async () => {
        const page = await open(theme, undefined, viewport);
        const snapshot = snapshotOf({}, undefined, wide);
        await shown(page, snapshot);
        assert.deepEqual(
          snapshot.columns.slice(0, 3).map((c) => c.id),
          ['attribute:status', 'attribute:name', 'metric:last:metric_0'],
        );
        const id = snapshot.runIds[0];
        const box = (selector: string) =>
          rowOf(page, id)
            .locator(selector)
            .evaluate((e) => ({
              left: Math.round(e.getBoundingClientRect().left),
              right: Math.round(e.getBoundingClientRect().right),
              text: e.textContent,
            }));
        const metric = await box('.cell:nth-child(4)');
        assert.ok(metric.right <= viewport.width / 2, `the first metric ends at ${metric.right}px`);
        const before = await box('.cell:nth-child(3)');
        await page.screenshot(`runs-table-columns-${theme}-${viewport.width}`);
        await page.page.locator('.grid').evaluate((grid) => {
          grid.scrollLeft = 900;
        });
        await page.page.waitForFunction(() => document.querySelector('.grid.scrolled-x'));
        const after = await box('.cell:nth-child(3)');
        assert.deepEqual(after, before, 'the name cell stays where it was, with its text');
        // Nothing scrolled under the name shows through it: the point at its middle is the name cell.
        const onTop = await page.page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('.cell')?.classList.contains('pinned-edge'), {
          x: after.left + 20,
          y: await rowOf(page, id).evaluate((e) => e.getBoundingClientRect().top + 12),
        });
        assert.equal(onTop, true);
        const header = await page.page
          .locator('.header-cell[data-column-id="attribute:name"]')
          .evaluate((e) => Math.round(e.getBoundingClientRect().left));
        assert.equal(header, after.left, 'the Name header stays above its column');
        await rowOf(page, snapshot.runIds[2]).click();
        await page.screenshot(`runs-table-pinned-${theme}-${viewport.width}`);
      });
    }
  }

  it('sorts a metric best first on the first header click, asking once when the name does not tell', async () => {
    const page = await open('dark');
    await shown(page, snapshotOf());
    await page.page.locator('.header-cell[data-column-id="metric:last:loss"]').click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 1)).query.sort, [{ columnId: 'metric:last:loss', descending: false }]);
    await page.page.locator('.header-cell[data-column-id="metric:last:acc"]').click();
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 2)).query.sort, [{ columnId: 'metric:last:acc', descending: true }]);
    const wideSnapshot = snapshotOf({}, undefined, wide);
    assert.equal(wideSnapshot.metricDirections.metric_0, undefined);
    await shown(page, wideSnapshot);
    await page.page.locator('.header-cell[data-column-id="metric:last:metric_0"]').click();
    assert.deepEqual(await nthPosted(page, 'runsTable/askMetricDirection', 1), { type: 'runsTable/askMetricDirection', key: 'metric_0' });
    await page.send({ type: 'runsTable/metricDirection', key: 'metric_0', direction: 'higher' });
    assert.deepEqual((await nthPosted(page, 'runsTable/setQuery', 3)).query.sort, [{ columnId: 'metric:last:metric_0', descending: true }]);
  });
});
