// The BLOB layout of a closed metric chunk (docs/architecture.md, "Metric history"): a 32-byte header, then values as
// float64, timestamps and steps, each section padded to 8 bytes so a copy of the BLOB can be read through typed views.
// Values are never packed (every double, NaN and ±Infinity survive); steps and timestamps take the smallest of
// three encodings that holds them exactly, which the bench showed is what brings a point from 24 bytes to about 10.

const FORMAT = 1;
const HEADER_BYTES = 32;

/** How a chunk's steps are stored. */
const enum StepCoding {
  Float64 = 0,
  /** base + i * stride: nothing per point. */
  Stride = 1,
  /** int32 offsets from the smallest step. */
  Offset32 = 2,
}

/** How a chunk's timestamps are stored. */
const enum TimeCoding {
  Float64 = 0,
  /** uint16 deltas from the previous point (the first from the base). */
  Delta16 = 1,
  /** int32 offsets from the smallest timestamp. */
  Offset32 = 2,
}

/** Points as columns: row i is (steps[i], timestamps[i], values[i]). */
export interface PointColumns {
  steps: ArrayLike<number>;
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** Writable columns that decodeChunkInto fills from a row on. */
export interface ColumnTarget {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

const pad8 = (bytes: number): number => (bytes + 7) & ~7;

function minOf(column: ArrayLike<number>, from: number, to: number): number {
  let min = Infinity;
  for (let i = from; i < to; i++) if (column[i] < min) min = column[i];
  return min;
}

function fitsInt32(offset: number): boolean {
  return offset >= 0 && offset <= 0x7fffffff;
}

function stepCoding(steps: ArrayLike<number>, from: number, to: number, base: number): { coding: StepCoding; stride: number } {
  const stride = to - from > 1 ? steps[from + 1] - steps[from] : 0;
  let arithmetic = true;
  let small = true;
  for (let i = from; i < to; i++) {
    if (arithmetic && steps[i] !== steps[from] + (i - from) * stride) arithmetic = false;
    if (!fitsInt32(steps[i] - base)) small = false;
  }
  if (arithmetic) return { coding: StepCoding.Stride, stride };
  return { coding: small ? StepCoding.Offset32 : StepCoding.Float64, stride: 0 };
}

function timeCoding(timestamps: ArrayLike<number>, from: number, to: number, base: number): TimeCoding {
  let delta16 = true;
  let small = true;
  let previous = base;
  for (let i = from; i < to; i++) {
    const delta = timestamps[i] - previous;
    if (delta < 0 || delta > 0xffff) delta16 = false;
    if (!fitsInt32(timestamps[i] - base)) small = false;
    previous = timestamps[i];
  }
  if (delta16) return TimeCoding.Delta16;
  return small ? TimeCoding.Offset32 : TimeCoding.Float64;
}

const STEP_BYTES: Record<StepCoding, number> = { [StepCoding.Float64]: 8, [StepCoding.Stride]: 0, [StepCoding.Offset32]: 4 };
const TIME_BYTES: Record<TimeCoding, number> = { [TimeCoding.Float64]: 8, [TimeCoding.Delta16]: 2, [TimeCoding.Offset32]: 4 };

/** Encodes rows [from, to) of the columns (steps and timestamps whole numbers, as the store keeps them) as one chunk. */
export function encodeChunk(columns: PointColumns, from: number, to: number): Uint8Array {
  const count = to - from;
  const stepBase = minOf(columns.steps, from, to);
  const timeBase = minOf(columns.timestamps, from, to);
  const steps = stepCoding(columns.steps, from, to, stepBase);
  const times = timeCoding(columns.timestamps, from, to, timeBase);
  const valuesAt = HEADER_BYTES;
  const timesAt = valuesAt + 8 * count;
  const stepsAt = timesAt + pad8(TIME_BYTES[times] * count);
  const bytes = new Uint8Array(stepsAt + pad8(STEP_BYTES[steps.coding] * count));
  const header = new DataView(bytes.buffer);
  header.setUint8(0, FORMAT);
  header.setUint8(1, steps.coding);
  header.setUint8(2, times);
  header.setUint32(4, count, true);
  header.setFloat64(8, steps.coding === StepCoding.Stride ? columns.steps[from] : stepBase, true);
  header.setFloat64(16, steps.stride, true);
  header.setFloat64(24, timeBase, true);
  const values = new Float64Array(bytes.buffer, valuesAt, count);
  for (let i = 0; i < count; i++) values[i] = columns.values[from + i];
  writeTimes(bytes.buffer, timesAt, times, columns.timestamps, from, count, timeBase);
  writeSteps(bytes.buffer, stepsAt, steps.coding, columns.steps, from, count, stepBase);
  return bytes;
}

function writeTimes(
  buffer: ArrayBuffer,
  at: number,
  coding: TimeCoding,
  timestamps: ArrayLike<number>,
  from: number,
  count: number,
  base: number,
): void {
  if (coding === TimeCoding.Delta16) {
    const out = new Uint16Array(buffer, at, count);
    let previous = base;
    for (let i = 0; i < count; i++) {
      out[i] = timestamps[from + i] - previous;
      previous = timestamps[from + i];
    }
    return;
  }
  const out = coding === TimeCoding.Offset32 ? new Int32Array(buffer, at, count) : new Float64Array(buffer, at, count);
  const offset = coding === TimeCoding.Offset32 ? base : 0;
  for (let i = 0; i < count; i++) out[i] = timestamps[from + i] - offset;
}

function writeSteps(buffer: ArrayBuffer, at: number, coding: StepCoding, steps: ArrayLike<number>, from: number, count: number, base: number): void {
  if (coding === StepCoding.Stride) return;
  const out = coding === StepCoding.Offset32 ? new Int32Array(buffer, at, count) : new Float64Array(buffer, at, count);
  const offset = coding === StepCoding.Offset32 ? base : 0;
  for (let i = 0; i < count; i++) out[i] = steps[from + i] - offset;
}

/** The chunk as an ArrayBuffer starting at byte 0 (drivers hand BLOBs back at any offset; typed views need 8). */
function aligned(blob: Uint8Array): ArrayBuffer {
  if (blob.byteOffset % 8 === 0 && blob.buffer instanceof ArrayBuffer) return blob.buffer;
  return blob.slice().buffer;
}

function readHeader(blob: Uint8Array): { buffer: ArrayBuffer; base: number; count: number; steps: StepCoding; times: TimeCoding } {
  const buffer = aligned(blob);
  const base = buffer === blob.buffer ? blob.byteOffset : 0;
  const header = new DataView(buffer, base, HEADER_BYTES);
  if (header.getUint8(0) !== FORMAT)
    throw new Error(`A metric chunk has format ${header.getUint8(0)}, which this Labbook cannot read. Update Labbook.`);
  return { buffer, base, count: header.getUint32(4, true), steps: header.getUint8(1) as StepCoding, times: header.getUint8(2) as TimeCoding };
}

/** How many points a chunk holds. */
export function chunkCount(blob: Uint8Array): number {
  return new DataView(blob.buffer, blob.byteOffset, HEADER_BYTES).getUint32(4, true);
}

/** A chunk's values alone (a view when the BLOB allows it, else a copy). */
export function chunkValues(blob: Uint8Array): Float64Array {
  const { buffer, base, count } = readHeader(blob);
  return new Float64Array(buffer, base + HEADER_BYTES, count);
}

/** Decodes a chunk into the target columns from row `at` on; returns how many rows it wrote. */
export function decodeChunkInto(blob: Uint8Array, target: ColumnTarget, at: number): number {
  const { buffer, base, count, steps, times } = readHeader(blob);
  const header = new DataView(buffer, base, HEADER_BYTES);
  const valuesAt = base + HEADER_BYTES;
  const timesAt = valuesAt + 8 * count;
  const stepsAt = timesAt + pad8(TIME_BYTES[times] * count);
  target.values.set(new Float64Array(buffer, valuesAt, count), at);
  readTimes(buffer, timesAt, times, count, header.getFloat64(24, true), target.timestamps, at);
  readSteps(buffer, stepsAt, steps, count, header.getFloat64(8, true), header.getFloat64(16, true), target.steps, at);
  return count;
}

function readTimes(buffer: ArrayBuffer, from: number, coding: TimeCoding, count: number, base: number, out: Float64Array, at: number): void {
  if (coding === TimeCoding.Float64) return out.set(new Float64Array(buffer, from, count), at);
  if (coding === TimeCoding.Offset32) {
    const offsets = new Int32Array(buffer, from, count);
    for (let i = 0; i < count; i++) out[at + i] = base + offsets[i];
    return;
  }
  const deltas = new Uint16Array(buffer, from, count);
  let time = base;
  for (let i = 0; i < count; i++) out[at + i] = time += deltas[i];
}

function readSteps(
  buffer: ArrayBuffer,
  from: number,
  coding: StepCoding,
  count: number,
  base: number,
  stride: number,
  out: Float64Array,
  at: number,
): void {
  if (coding === StepCoding.Float64) return out.set(new Float64Array(buffer, from, count), at);
  if (coding === StepCoding.Offset32) {
    const offsets = new Int32Array(buffer, from, count);
    for (let i = 0; i < count; i++) out[at + i] = base + offsets[i];
    return;
  }
  for (let i = 0; i < count; i++) out[at + i] = base + i * stride;
}

/** A whole chunk as fresh columns. */
export function decodeChunk(blob: Uint8Array): ColumnTarget {
  const count = chunkCount(blob);
  const target = { steps: new Float64Array(count), timestamps: new Float64Array(count), values: new Float64Array(count) };
  decodeChunkInto(blob, target, 0);
  return target;
}
