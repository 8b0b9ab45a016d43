// Follows a run's console log for the Run panel: the last lines first, then whatever was appended.
// Reads only the end of the file and only new bytes afterwards, so a multi-gigabyte log costs nothing.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What a read of the console log produced. */
export interface ConsoleChunk {
  /** Complete lines, oldest first, cleaned for display. */
  lines: string[];
  /** The unfinished last line as a terminal would show it ('' when none). */
  partial: string;
  /** True when earlier output was skipped (the first read of a long log, or a burst larger than the window). */
  truncated: boolean;
}

/** Longest line kept; a longer one is cut and marked, so a runaway line cannot flood the panel. */
export const MAX_LINE_LENGTH = 2000;

// ESC [ … final byte (colours, cursor moves) and OSC sequences (titles, links) mean nothing in the panel.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** One raw line as a terminal would leave it: escapes gone, only the text after the last \r, cut when huge. */
export function cleanConsoleLine(raw: string): string {
  const lastReturn = raw.lastIndexOf('\r');
  const visible = (lastReturn >= 0 ? raw.slice(lastReturn + 1) : raw).replace(ANSI, '');
  return visible.length > MAX_LINE_LENGTH ? `${visible.slice(0, MAX_LINE_LENGTH)}… [${visible.length - MAX_LINE_LENGTH} more characters]` : visible;
}

/** Reads a growing console log from where the last read stopped; the file may be replaced by its blob. */
export class ConsoleTail {
  // Byte offset of the first byte not yet consumed; always the start of a line (or of the text after a \r).
  private offset = -1;

  constructor(
    private readonly maxLines: number,
    private readonly windowBytes = 256 * 1024,
  ) {}

  /** The new output of `path` since the last read (the tail of the file on the first read). */
  read(path: string): ConsoleChunk {
    const fd = openSync(path, 'r');
    try {
      return this.readOpen(fd);
    } finally {
      closeSync(fd);
    }
  }

  private readOpen(fd: number): ConsoleChunk {
    const size = fstatSync(fd).size;
    // A file shorter than what was read is a new file: start over from its tail.
    if (this.offset > size) this.offset = -1;
    const from = Math.max(0, this.offset);
    const start = Math.max(from, size - this.windowBytes);
    const skipped = start > from;
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    // Starting inside the file splits a line (maybe a UTF-8 character): drop up to the first newline.
    const body = skipped ? buffer.subarray(buffer.indexOf(0x0a) + 1) : buffer;
    const lastNewline = body.lastIndexOf(0x0a);
    const complete = body.subarray(0, lastNewline + 1);
    const rest = body.subarray(lastNewline + 1);
    // A \r in the unfinished line overwrote what came before it, so the next read starts after it
    // (except a trailing \r, which may be the first half of \r\n).
    const lastReturn = rest.subarray(0, Math.max(0, rest.length - 1)).lastIndexOf(0x0d);
    this.offset = start + (buffer.length - body.length) + complete.length + lastReturn + 1;
    const lines =
      complete.length > 0
        ? complete
            .toString('utf8')
            .replace(/\r?\n$/, '')
            .split(/\r?\n/)
            .map(cleanConsoleLine)
        : [];
    return {
      lines: lines.slice(-this.maxLines),
      partial: cleanConsoleLine(rest.toString('utf8').replace(/\r$/, '')),
      truncated: skipped || lines.length > this.maxLines,
    };
  }
}
