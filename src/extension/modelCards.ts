// Model cards as read-only Markdown documents (`labbook-model-card:/<model>/<version>/MODEL_CARD.md`), made by the
// same code as `labbook models card`, opened in VS Code's Markdown preview and redrawn as the store changes.

import * as vscode from 'vscode';
import { modelCard } from '../models/card';
import { CARD_TAGS } from '../models/models';
import { Cancelled } from './errors';
import { modelsService, type VersionRef } from './modelActions';
import type { StoreHost } from './storeHost';

/** Scheme of generated model cards. */
export const MODEL_CARD_SCHEME = 'labbook-model-card';

/** URI of a version's model card. */
export function modelCardUri(ref: VersionRef): vscode.Uri {
  return vscode.Uri.from({ scheme: MODEL_CARD_SCHEME, path: `/${encodeURIComponent(ref.name)}/${ref.version}/MODEL_CARD.md` });
}

function refOf(uri: vscode.Uri): VersionRef | undefined {
  const [, name, version] = uri.path.split('/');
  const number = Number(version);
  return name && Number.isSafeInteger(number) ? { name: decodeURIComponent(name), version: number } : undefined;
}

/** Provides model card documents and keeps open ones current. */
export class ModelCards implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly host: StoreHost) {
    this.subscription = host.onDidChange(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === MODEL_CARD_SCHEME && !doc.isClosed) this.changed.fire(doc.uri);
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const store = this.host.store;
    const ref = refOf(uri);
    if (!store || !ref) return 'There is no such model version in this workspace.\n';
    try {
      return modelCard(store, modelsService(store), ref.name, ref.version);
    } catch (error) {
      return `The model card of ${ref.name} version ${ref.version} cannot be made: ${error instanceof Error ? error.message : String(error)}\n`;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Opens a version's model card in the Markdown preview. */
export async function openModelCard(ref: VersionRef): Promise<void> {
  await vscode.commands.executeCommand('markdown.showPreview', modelCardUri(ref));
}

/** Asks for a version's intended use and notes (prefilled with what is stored) and stores them on the version. */
export async function editModelCard(host: StoreHost, ref: VersionRef): Promise<void> {
  const store = host.store;
  if (!store) throw new Error('There are no runs in this workspace yet.');
  const service = modelsService(store);
  const tags = service.registry.getVersion(ref.name, ref.version).tags;
  const ask = async (part: string, value: string | undefined): Promise<string> => {
    const answer = await vscode.window.showInputBox({
      title: `Model card of ${ref.name} version ${ref.version}: ${part}`,
      value: value ?? '',
      prompt: 'Stored on the version (MLflow clients see it as a tag); empty clears it.',
    });
    if (answer === undefined) throw new Cancelled();
    return answer.trim();
  };
  const intendedUse = await ask('intended use', tags[CARD_TAGS.intendedUse]);
  const notes = await ask('notes', tags[CARD_TAGS.notes]);
  service.setCardText(ref.name, ref.version, { intendedUse, notes });
  host.wroteHere();
  await openModelCard(ref);
}
