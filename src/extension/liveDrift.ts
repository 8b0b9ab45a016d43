// Live inputs against training data: the reference is a model version's training data (its source run's CSV or
// Parquet input, by hash: src/models/servedVersion.ts), the current data a running server's window of inputs
// (GET /labbook/window.csv) or a file the user picks. Both open in the Drift panel.
import { copyFileSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { trainingDataOf } from '../models/servedVersion';
import { servedModels, type ServedModel } from '../server/scoring/discovery';
import { requireStore } from './commands';
import { pickDataFile } from './driftCommands';
import { Cancelled } from './errors';
import type { DriftPanel } from './panels/driftPanel';
import { downloadWindow } from './servingClient';
import type { StoreHost } from './storeHost';

/** What live drift checks need. */
export interface LiveDriftDeps {
  host: StoreHost;
  drift: DriftPanel;
}

/** A model version, by name and number. */
export interface VersionRef {
  name: string;
  version: number;
}

/**
 * The version's training data as a file the drift reader can open: blobs have no extension, so the file is linked
 * (copied where links are refused) under its recorded name in a temporary folder.
 */
async function trainingReference(deps: LiveDriftDeps, ref: VersionRef): Promise<{ uri: vscode.Uri; label: string }> {
  const data = trainingDataOf(requireStore(deps.host), ref.name, ref.version);
  if ('reason' in data) throw new Error(data.reason);
  const file =
    data.files.length === 1
      ? data.files[0]
      : (
          await vscode.window.showQuickPick(
            data.files.map((f) => ({ label: f.path, description: f.sha256.slice(0, 12), file: f })),
            { title: `${ref.name} version ${ref.version} was trained on several files: pick the reference` },
          )
        )?.file;
  if (!file) throw new Cancelled();
  const path = join(mkdtempSync(join(tmpdir(), 'labbook-reference-')), basename(file.path));
  try {
    symlinkSync(file.blobPath, path);
  } catch {
    copyFileSync(file.blobPath, path);
  }
  return { uri: vscode.Uri.file(path), label: `${ref.name} v${ref.version} training data (${file.path})` };
}

/** The running servers of the window's store. */
export function runningServers(host: StoreHost): ServedModel[] {
  const dir = host.dir();
  return dir ? servedModels(dir) : [];
}

function serverLabel(served: ServedModel): string {
  return `${served.model} v${served.version} live window (${served.url})`;
}

/** Opens the Drift panel on a running server's current window against its version's training data. */
export async function openLiveDrift(deps: LiveDriftDeps, served: ServedModel): Promise<void> {
  const reference = await trainingReference(deps, { name: served.model, version: served.version });
  const window = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Labbook: fetching the live window of ${served.model} v${served.version}…` },
    () => downloadWindow(served),
  );
  await deps.drift.open({
    reference: reference.uri,
    referenceLabel: reference.label,
    current: vscode.Uri.file(window),
    currentLabel: serverLabel(served),
  });
}

type CurrentItem = vscode.QuickPickItem & { served?: ServedModel };

/** Compare Live Inputs with Training Data: the version's training data against a server's window or a picked file. */
export async function compareLiveInputs(deps: LiveDriftDeps, ref: VersionRef): Promise<void> {
  const servers = runningServers(deps.host).filter((s) => s.model === ref.name && s.version === ref.version);
  const items: CurrentItem[] = [
    ...servers.map((served) => ({
      label: `$(broadcast) Live window of ${served.url}`,
      description: `pid ${served.pid}, since ${served.startedAt}`,
      served,
    })),
    { label: '$(file) A data file…', description: 'CSV or Parquet' },
  ];
  const picked =
    servers.length === 0
      ? items[0]
      : await vscode.window.showQuickPick(items, { title: `Compare Live Inputs of ${ref.name} v${ref.version} with Its Training Data` });
  if (!picked) throw new Cancelled();
  if (picked.served) return openLiveDrift(deps, picked.served);
  const reference = await trainingReference(deps, ref);
  const current = await pickDataFile(`Compare with ${ref.name} v${ref.version}'s training data: pick the current data`);
  await deps.drift.open({ reference: reference.uri, referenceLabel: reference.label, current });
}
