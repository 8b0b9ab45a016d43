// How pandas.read_csv reads a cell's text, shared by the drift reader (data files) and the scoring server (CSV
// bodies) so that a value is missing, a number or a text by the same rule in both.

/** pandas.read_csv's default NA markers: a cell with exactly this text is a missing value. */
export const PANDAS_NA: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** True for the character code of an ASCII digit. */
export const isDigit = (code: number): boolean => code >= 48 && code <= 57;
/** Character codes of '+', '-' and '.'. */
export const PLUS = 43;
export const MINUS = 45;
export const DOT = 46;

/**
 * The value of a plain decimal number ('12', '-0.5', '.5', '1e-3'), else undefined. Number() alone would also take
 * ' 12', '0x1F' and '0b11', which pandas reads as text: the first and last characters rule those out cheaply.
 */
export function decimalNumber(text: string): number | undefined {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (!(isDigit(first) || first === MINUS || first === PLUS || first === DOT) || !(isDigit(last) || last === DOT)) return undefined;
  const second = text.charCodeAt(1) | 32;
  if (first === 48 && (second === 120 || second === 98 || second === 111)) return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
