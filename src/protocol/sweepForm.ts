// Messages between the Run Sweep form webview and the extension host. The webview says 'sweepForm/ready', the host
// answers with the command to prefill; 'sweepForm/start' asks the host to start `labbook sweep` in a terminal.

import type { SweepFormFields } from '../core/sweepForm';
import { InvalidMessage, parseWebviewMessage, unknownType, type Fields, type ParseResult } from './messageFields';

/** The form's starting values. */
export interface SweepFormInitMessage {
  type: 'sweepForm/init';
  /** The command line to sweep (the active Python file's run, or empty). */
  command: string;
  /** `name=values` lines to start the grid with (from a params hover: the values tried so far). */
  grid: string[];
}

/** The host could not start the sweep; the form shows why. */
export interface SweepFormErrorMessage {
  type: 'sweepForm/error';
  message: string;
}

/** Every message the host sends to the form. */
export type SweepFormToWebview = SweepFormInitMessage | SweepFormErrorMessage;

/** The page has loaded. */
export interface SweepFormReadyMessage {
  type: 'sweepForm/ready';
}

/** What to sweep, as the flags of `labbook sweep`. */
export interface SweepFormStartMessage extends SweepFormFields {
  type: 'sweepForm/start';
}

/** Every message the form sends to the host. */
export type SweepFormFromWebview = SweepFormReadyMessage | SweepFormStartMessage;

const MAX_TEXT = 10_000;

function text(fields: Fields, key: string): string {
  const value = fields[key];
  if (typeof value !== 'string' || value.length > MAX_TEXT) throw new InvalidMessage(`'${key}' must be a string of at most ${MAX_TEXT} characters.`);
  return value;
}

function lines(fields: Fields, key: string): string[] {
  const value = fields[key];
  if (!Array.isArray(value) || value.length > 100 || !value.every((line) => typeof line === 'string' && line.length <= MAX_TEXT))
    throw new InvalidMessage(`'${key}' must be a list of at most 100 strings.`);
  return value as string[];
}

function count(fields: Fields, key: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidMessage(`'${key}' must be a whole number.`);
  return value;
}

function flag(fields: Fields, key: string): boolean {
  const value = fields[key];
  if (typeof value !== 'boolean') throw new InvalidMessage(`'${key}' must be true or false.`);
  return value;
}

/** Checks a message from the form; a malformed one yields an error that says what is wrong. */
export function parseSweepFormMessage(value: unknown): ParseResult<SweepFormFromWebview> {
  return parseWebviewMessage(value, 'sweep form', (fields) => {
    if (fields.type === 'sweepForm/ready') return { type: 'sweepForm/ready' };
    if (fields.type !== 'sweepForm/start') throw unknownType(fields);
    return {
      type: 'sweepForm/start',
      command: text(fields, 'command'),
      grid: lines(fields, 'grid'),
      params: lines(fields, 'params'),
      random: count(fields, 'random'),
      parallel: count(fields, 'parallel'),
      name: text(fields, 'name'),
      queue: flag(fields, 'queue'),
    };
  });
}

/** True for a message from the host; the host is trusted, so the webview checks only the discriminant. */
export function isSweepFormToWebview(value: unknown): value is SweepFormToWebview {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'sweepForm/init' || type === 'sweepForm/error';
}
