// Which VS Code debug type attaches to a script debugpy runs, and the attach configuration it gets. Pure, so the
// extension's choices are testable without VS Code.

/**
 * The debug type Labbook contributes for a VS Code without a Python debugger extension. `python -m debugpy --listen`
 * already runs debugpy's DAP adapter on its port, so VS Code speaks DAP straight to that port (as the Python
 * Debugger extension itself does for an attach with `connect`).
 */
export const LABBOOK_DEBUG_TYPE = 'labbook-debugpy';

/** Debug types of Python debugger extensions that attach to debugpy, preferred first: Python Debugger's, then the older Python extension's. */
export const PYTHON_DEBUG_TYPES = ['debugpy', 'python'] as const;

/** A debug configuration Labbook cannot attach with. */
export class DebugConfigError extends Error {}

/** The debug type to attach with: an installed Python debugger extension's, else Labbook's own. */
export function debugTypeFor(installed: (type: string) => boolean): string {
  return PYTHON_DEBUG_TYPES.find(installed) ?? LABBOOK_DEBUG_TYPE;
}

/** What an attach to a debugged run needs: the debug type, a name, debugpy's port and the key of the run's terminal. */
export interface AttachTarget {
  type: string;
  name: string;
  port: number;
  session: string;
  /** Attributes carried over from the user's launch configuration (justMyCode, pathMappings); undefined ones are left out. */
  extra: Record<string, unknown>;
}

/** The attach configuration for a script debugpy runs, listening on 127.0.0.1:`port`. */
export function attachConfiguration({ type, name, port, session, extra }: AttachTarget): Record<string, unknown> {
  const defined = Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined));
  return { type, request: 'attach', name, connect: { host: '127.0.0.1', port }, labbookSession: session, ...defined };
}

/** Where debugpy listens for an attach configuration (`connect.host`, default 127.0.0.1, and `connect.port`). Throws DebugConfigError. */
export function attachEndpoint(config: Record<string, unknown>): { host: string; port: number } {
  if (config.request !== 'attach')
    throw new DebugConfigError(
      `A ${LABBOOK_DEBUG_TYPE} configuration attaches to debugpy ("request": "attach"); to start and track a program, use "request": "launch" with "labbook": true.`,
    );
  const connect = config.connect;
  if (typeof connect !== 'object' || connect === null)
    throw new DebugConfigError('Say where debugpy listens: "connect": { "port": … } (and "host", default 127.0.0.1).');
  const { host = '127.0.0.1', port } = connect as { host?: unknown; port?: unknown };
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new DebugConfigError(`connect.port must be a number from 1 to 65535, got ${JSON.stringify(port)}.`);
  if (typeof host !== 'string') throw new DebugConfigError(`connect.host must be a string, got ${JSON.stringify(host)}.`);
  return { host, port };
}
