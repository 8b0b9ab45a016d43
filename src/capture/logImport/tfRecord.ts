// TFRecord framing (TensorBoard event files): uint64 length, masked CRC-32C of the length, data, masked CRC-32C of
// the data. A record whose checksum fails is reported with its offset and skipped, so one bad byte loses one point.
import { buf as crc32c } from 'crc-32/crc32c';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
const MASK_DELTA = 0xa282ead8;
/** Longer than any event TensorBoard writes; a bigger length is a damaged header, not a record to wait for. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** One record's payload and where its header starts in the file. */
export interface TfRecord {
  offset: number;
  data: Uint8Array;
}

/** A damaged stretch of the file: where it starts and what was wrong. */
export interface TfRecordProblem {
  offset: number;
  message: string;
}

/** What a pass over the bytes found; `end` is where the next (possibly still unwritten) record starts. */
export interface TfRecordScan {
  records: TfRecord[];
  problems: TfRecordProblem[];
  end: number;
}

/** TensorFlow's masked CRC-32C: rotated and offset so that a CRC of data holding CRCs stays well distributed. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/**
 * Reads the records from `start`. A record cut short at the end is left for the next pass (a live writer may still be
 * writing it): `end` points at it. A header whose checksum fails is skipped by scanning for the next valid header.
 */
export function scanTfRecords(bytes: Uint8Array, start = 0): TfRecordScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: TfRecord[] = [];
  const problems: TfRecordProblem[] = [];
  let offset = start;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = validLength(bytes, view, offset);
    if (length === undefined) {
      const next = nextValidHeader(bytes, view, offset + 1);
      problems.push({ offset, message: `damaged record header (length checksum mismatch); skipped ${next - offset} bytes` });
      offset = next;
      continue;
    }
    const dataStart = offset + HEADER_BYTES;
    if (dataStart + length + FOOTER_BYTES > bytes.length) break;
    const data = bytes.subarray(dataStart, dataStart + length);
    if (maskedCrc32c(data) === view.getUint32(dataStart + length, true)) records.push({ offset, data });
    else problems.push({ offset, message: 'record data checksum mismatch; record skipped' });
    offset = dataStart + length + FOOTER_BYTES;
  }
  return { records, problems, end: offset };
}

function validLength(bytes: Uint8Array, view: DataView, offset: number): number | undefined {
  const lengthBytes = bytes.subarray(offset, offset + 8);
  if (maskedCrc32c(lengthBytes) !== view.getUint32(offset + 8, true)) return undefined;
  const length = view.getBigUint64(offset, true);
  return length > BigInt(MAX_RECORD_BYTES) ? undefined : Number(length);
}

function nextValidHeader(bytes: Uint8Array, view: DataView, from: number): number {
  for (let offset = from; offset + HEADER_BYTES <= bytes.length; offset++) {
    if (validLength(bytes, view, offset) !== undefined) return offset;
  }
  return bytes.length;
}
