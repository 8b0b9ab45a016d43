// Checking messages from a webview: every panel's protocol reads fields with small typed readers that throw
// InvalidMessage, and parseWebviewMessage turns that into an error result that says what is wrong.

/** A message's fields before they are checked. */
export type Fields = Record<string, unknown>;

/** Thrown by a field reader for a message that is not well-formed. */
export class InvalidMessage extends Error {}

/** The outcome of checking a message from a webview. */
export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

/** True for a plain object (not null, not an array). */
export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error for a message type the panel does not know. */
export function unknownType(fields: Fields): InvalidMessage {
  return new InvalidMessage(`Unknown message type ${JSON.stringify(String(fields.type)).slice(0, 80)}.`);
}

/** Checks a message with `build`, which makes a fresh message from checked fields; `panel` names it in errors. */
export function parseWebviewMessage<T>(value: unknown, panel: string, build: (fields: Fields) => T): ParseResult<T> {
  if (!isFields(value)) return { ok: false, error: `${panel[0].toUpperCase()}${panel.slice(1)} message must be an object.` };
  try {
    return { ok: true, message: build(value) };
  } catch (error) {
    if (error instanceof InvalidMessage) return { ok: false, error: `Bad ${panel} message: ${error.message}` };
    throw error;
  }
}
