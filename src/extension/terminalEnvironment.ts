// One owner of the window's environment variable collection: the CLI launcher (PATH) and the tracking server
// (MLFLOW_*) each contribute their part, and neither wipes the other's when it changes.

/** One part's variables: values to replace, folders to put in front of PATH, and what they are for. */
export interface EnvironmentPart {
  replace?: Record<string, string>;
  prependPath?: string;
  description: string;
}

/** The part of VS Code's GlobalEnvironmentVariableCollection used here (structural, so tests need no vscode). */
export interface EnvironmentCollection {
  persistent: boolean;
  description: string | undefined | { value: string };
  clear(): void;
  replace(variable: string, value: string): void;
  prepend(variable: string, value: string): void;
}

/** The collection as the sum of named parts. */
export class TerminalEnvironment {
  private readonly parts = new Map<string, EnvironmentPart>();

  constructor(
    private readonly collection: EnvironmentCollection,
    private readonly pathDelimiter: string,
  ) {
    // Ports and tokens from an earlier session are dead: restored terminals must not get them.
    collection.persistent = false;
    collection.clear();
  }

  /** Sets (or with undefined, removes) one part; the collection is rewritten from all parts. */
  set(name: string, part: EnvironmentPart | undefined): void {
    if (part) this.parts.set(name, part);
    else this.parts.delete(name);
    this.collection.clear();
    for (const { replace, prependPath } of this.parts.values()) {
      for (const [variable, value] of Object.entries(replace ?? {})) this.collection.replace(variable, value);
      if (prependPath) this.collection.prepend('PATH', prependPath + this.pathDelimiter);
    }
    this.collection.description = [...this.parts.values()].map((p) => p.description).join(' ') || undefined;
  }
}
