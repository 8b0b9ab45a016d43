// Starts the Labbook language server (dist/lsp.js) when a Python or params file is open, and keeps its settings
// current. The server process is forked over IPC by vscode-languageclient with the extension host's own runtime.

import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { isLspDocument, lspSettingsOf } from './lspSettings';
import { RUN_SWEEP_COMMAND } from '../core/sweepForm';
import type { LspSettings } from '../lsp/server';
import type { StoreHost } from './storeHost';

const DOCUMENTS: LanguageClientOptions['documentSelector'] = [
  { scheme: 'file', language: 'python' },
  { scheme: 'file', pattern: '**/params.{yaml,json}' },
];

/** Owns the language client: starts it lazily, restarts it when enabled again, stops it on dispose. */
export class LabbookLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: StoreHost,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.documentOpened(document)),
      vscode.workspace.onDidChangeConfiguration((event) => this.configurationChanged(event)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.sendSettings()),
    ];
    for (const document of vscode.workspace.textDocuments) this.documentOpened(document);
  }

  /** The running client, for tests. */
  get running(): LanguageClient | undefined {
    return this.client;
  }

  private enabled(): boolean {
    return vscode.workspace.getConfiguration('labbook').get<boolean>('lsp.enabled', true);
  }

  private settings(): LspSettings {
    const config = vscode.workspace.getConfiguration('labbook');
    return lspSettingsOf({
      storeDir: this.host.dir(),
      primaryMetric: config.get('runs.primaryMetric'),
      runsToConsider: config.get('lsp.runsToConsider'),
    });
  }

  private documentOpened(document: vscode.TextDocument): void {
    if (this.client || this.starting || document.uri.scheme !== 'file' || !isLspDocument(document.languageId, document.uri.fsPath)) return;
    if (this.enabled()) void this.start();
  }

  private configurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (event.affectsConfiguration('labbook.lsp.enabled')) {
      if (!this.enabled()) void this.stop();
      else for (const document of vscode.workspace.textDocuments) this.documentOpened(document);
      return;
    }
    if (['labbook.storePath', 'labbook.runs.primaryMetric', 'labbook.lsp.runsToConsider'].some((section) => event.affectsConfiguration(section)))
      this.sendSettings();
  }

  // The server reopens its store when storeDir changes, so a new store folder needs no restart.
  private sendSettings(): void {
    const client = this.client;
    if (!client?.isRunning()) return;
    client.sendNotification(DidChangeConfigurationNotification.type, { settings: { labbook: this.settings() } }).catch((error: unknown) => {
      this.log.warn(`Could not send settings to the language server: ${String(error)}`);
    });
  }

  private start(): Promise<void> {
    const module = this.context.asAbsolutePath('dist/lsp.js');
    const server: ServerOptions = { run: { module, transport: TransportKind.ipc }, debug: { module, transport: TransportKind.ipc } };
    const client = new LanguageClient('labbook', 'Labbook Language Server', server, {
      documentSelector: DOCUMENTS,
      initializationOptions: this.settings(),
      outputChannel: this.log,
      // Hovers link to "Sweep lr over …"; no other command runs from the server's markdown.
      markdown: { isTrusted: { enabledCommands: [RUN_SWEEP_COMMAND] } },
    });
    this.client = client;
    this.starting = client
      .start()
      .then(
        () => this.log.info('Language server started.'),
        (error: unknown) => {
          this.log.error(`The Labbook language server did not start: ${error instanceof Error ? error.message : String(error)}`);
          if (this.client === client) this.client = undefined;
        },
      )
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  private async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await this.starting;
    if (client?.isRunning()) await client.stop();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    void this.stop();
  }
}
