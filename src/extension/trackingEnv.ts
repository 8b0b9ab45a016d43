// The variables that point MLflow clients in new terminals at this window's tracking server. No vscode
// import: unit-tested in Node.

import { randomBytes } from 'node:crypto';

/** A fresh per-session token (MLFLOW_TRACKING_TOKEN): other local users cannot write to the store without it. */
export function newTrackingToken(): string {
  return randomBytes(24).toString('hex');
}

/** The environment new terminals get while the server runs. */
export function trackingEnv(url: string, token: string): Record<string, string> {
  return { MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_TOKEN: token, MLFLOW_DISABLE_TELEMETRY: 'true' };
}

/** The description VS Code shows for the variables (Terminal: environment changes). */
export function trackingEnvDescription(url: string): string {
  return `Labbook's MLflow-compatible tracking server (${url}): mlflow clients started here record into this workspace's runs.`;
}
