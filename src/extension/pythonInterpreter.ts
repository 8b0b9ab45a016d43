import * as vscode from 'vscode';
import { chooseInterpreter } from '../core/commandLine';

const PYTHON_EXTENSION_ID = 'ms-python.python';

// The slice of the Python extension's public API (environments.*) that Labbook uses; checked at run time.
interface EnvironmentPath {
  id: string;
  path: string;
}
interface PythonEnvironments {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment(environment: EnvironmentPath | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
}

function environmentsOf(api: unknown): PythonEnvironments | undefined {
  const environments = (api as { environments?: Partial<PythonEnvironments> } | undefined)?.environments;
  if (typeof environments?.getActiveEnvironmentPath !== 'function' || typeof environments.resolveEnvironment !== 'function') return undefined;
  return environments as PythonEnvironments;
}

/** The Python extension's active interpreter for a resource, or undefined when it is not installed or has none. */
async function pythonExtensionInterpreter(resource: vscode.Uri | undefined, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
  if (!extension) return undefined;
  try {
    const environments = environmentsOf(extension.isActive ? extension.exports : await extension.activate());
    if (!environments) return undefined;
    const active = environments.getActiveEnvironmentPath(resource);
    const resolved = await environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch (error) {
    log.warn(`The Python extension did not name an interpreter: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** The interpreter to run a Python file with: the Python extension's, else `labbook.python.path`, else python3. */
export async function pythonInterpreter(resource: vscode.Uri | undefined, log: vscode.LogOutputChannel): Promise<string> {
  return chooseInterpreter({
    pythonExtension: await pythonExtensionInterpreter(resource, log),
    setting: vscode.workspace.getConfiguration('labbook', resource).get<string>('python.path'),
    platform: process.platform,
  });
}
