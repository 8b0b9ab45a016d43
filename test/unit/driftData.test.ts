// Reading CSV and Parquet files into drift samples: pandas' missing markers, numbers versus text, bad files.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DataFileError,
  MAX_CATEGORIES,
  readDataset,
  readPlainCsv,
  readQuotedCsv,
  readSortedDatasets,
  shortDecimal,
} from '../../src/capture/driftData';
import { decimalNumber } from '../../src/core/pandasCells';

const root = mkdtempSync(join(tmpdir(), 'labbook-drift-data-'));
after(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, text: string | Uint8Array): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

describe('CSV', () => {
  it("reads numbers, text, pandas' NA markers and infinities (missing), quoted fields and a BOM", async () => {
    const path = file(
      'mixed.csv',
      '\uFEFFid,x,city,flag\n1,0.5,Paris,true\n2,NA,"Lyon, FR",false\n3,inf,,true\n4,-1e3,"Say ""hi""",NULL\n5,.25,Paris,false\n',
    );
    const data = await readDataset(path);
    assert.deepEqual([...data.columns.keys()], ['id', 'x', 'city', 'flag']);
    assert.equal(data.rows, 5);
    const id = data.columns.get('id')!;
    assert.deepEqual([[...id.numbers!], id.integerDtype, id.missing], [[1, 2, 3, 4, 5], true, 0]);
    const x = data.columns.get('x')!;
    assert.deepEqual([[...x.numbers!], x.integerDtype, x.missing], [[0.5, -1000, 0.25], false, 2]);
    const city = data.columns.get('city')!;
    assert.deepEqual(
      [...city.counts!],
      [
        ['Paris', 2],
        ['Lyon, FR', 1],
        ['Say "hi"', 1],
      ],
    );
    assert.equal(city.missing, 1);
    assert.deepEqual([...data.columns.get('flag')!.counts!.keys()], ['true', 'false']);
  });

  it('a column that turns to text part way is categorical, earlier numbers counted by value; hex and padded numbers are text', async () => {
    const data = await readDataset(file('turn.csv', 'v,w\n1,0x1F\n2, 3\nabc,7\n'));
    assert.deepEqual(
      [...data.columns.get('v')!.counts!],
      [
        ['1', 1],
        ['2', 1],
        ['abc', 1],
      ],
    );
    assert.deepEqual([...data.columns.get('w')!.counts!.keys()], ['0x1F', ' 3', '7']);
  });

  it('reads only the columns asked for, and TSV by its extension', async () => {
    const data = await readDataset(file('t.tsv', 'a\tb\n1\t2\n'), { columns: new Set(['b']) });
    assert.deepEqual([...data.columns.keys()], ['b']);
  });

  it('refuses a row longer than the header, a duplicate header, an empty file, an unknown format or a missing file', async () => {
    await assert.rejects(readDataset(file('long.csv', 'a,b\n1,2,3\n')), /long\.csv: data row 1 has 3 fields, the header has 2/);
    await assert.rejects(readDataset(file('dup.csv', 'a,a\n1,2\n')), /column 'a' appears twice/);
    await assert.rejects(readDataset(file('empty.csv', '')), /empty\.csv is empty: no header row/);
    await assert.rejects(
      readDataset(file('data.xlsx', 'x')),
      (e: Error) => e instanceof DataFileError && /unknown data format '.xlsx'/.test(e.message),
    );
    await assert.rejects(readDataset(join(root, 'none.csv')), /cannot read .*none\.csv: no such file/);
    // A regular file whose reading fails (Linux: EIO from offset 0).
    await assert.rejects(readDataset('/proc/self/mem', { format: 'csv' }), (e: Error) => e instanceof DataFileError && /mem: EIO/.test(e.message));
  });

  it('reads several files at once without a worker script, numbers sorted', async () => {
    const [a, b] = await readSortedDatasets([file('s1.csv', 'x\n3\n1\n2\n'), file('s2.csv', 'x\n9\n8\n')], {});
    assert.deepEqual([...a.columns.get('x')!.numbers!], [1, 2, 3]);
    assert.deepEqual([...b.columns.get('x')!.numbers!], [8, 9]);
  });
});

/** What a cell reads as by Number() alone, after the guard against padded, hex, binary and octal texts. */
function numberByNumber(text: string): number | undefined {
  if (!/^[-+.\d]/.test(text) || !/[.\d]$/.test(text) || /^0[xbo]/i.test(text)) return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

describe('numbers in cells', () => {
  it('reads short plain decimals from bytes exactly as Number() does, to the last bit, and leaves other texts to it', () => {
    let state = 11;
    const next = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
    const digitString = (count: number): string => Array.from({ length: count }, () => Math.floor(next() * 10)).join('');
    const texts = ['0', '-0', '+0', '-0.0', '.5', '5.', '.', '-', '+', '-.', '007', '1e5', '1E-3', '-2.5e+300', '1e400', '-1e400'];
    texts.push('0x1F', '0b11', '0o7', ' 12', '12 ', '1_000', '1,5', '1.2.3', '--1', '9007199254740993', '123456789012345', '1234567890123456');
    texts.push('0.1', '0.2', '0.30000000000000004', '999999999999999', '9999999999999999', '0.000000000000001', '1.7976931348623157e308');
    for (let i = 0; i < 20_000; i++) {
      const whole = digitString(1 + Math.floor(next() * 12));
      const fraction = digitString(Math.floor(next() * 12));
      const sign = ['', '-', '+'][Math.floor(next() * 3)];
      texts.push(`${sign}${whole}${fraction || next() < 0.5 ? `.${fraction}` : ''}`, `${sign}.${fraction || '0'}`);
    }
    let fast = 0;
    for (const text of texts) {
      const expected = numberByNumber(text);
      assert.ok(Object.is(decimalNumber(text), expected), `${JSON.stringify(text)}: ${decimalNumber(text)} != ${expected}`);
      const bytes = Buffer.from(`,${text},`);
      const actual = shortDecimal(bytes, 1, bytes.length - 1);
      if (Number.isNaN(actual)) continue;
      fast++;
      assert.ok(Object.is(actual, expected), `${JSON.stringify(text)} from bytes: ${actual} != ${expected}`);
    }
    assert.ok(fast > 30_000, `${fast} texts read by the fast path`);
  });
});

/** A read's dataset, or its error message. */
const outcome = <T>(read: Promise<T>): Promise<T | string> => read.catch((e: Error) => e.message);

describe('plain CSV read from bytes', () => {
  const plain: Record<string, string> = {
    'NA markers, NaN, infinities, empty cells and short rows': 'a,b,c\n1,NA,x\nNaN,,y\n-inf,inf,\n2,nan\n,#N/A,None\n3\n',
    'huge, tiny and long numbers, signs and exponents':
      'v\n1e308\n1e400\n-1e400\n12345678901234567890\n0.1234567890123456789\n5e-324\n-0\n+7\n.5\n5.\n1E3\n',
    'CRLF line ends, a BOM, no final newline': '\uFEFFid,x\r\n1,0.5\r\n2,-3\r\n3,4.25',
    'a text column, a column turning to text, hex and padded numbers': 'n,t,w\n1,red,1\n2,green,2\n3,red,two\n4,0x1F, 5\n',
    'blank lines anywhere, integers, unicode names and texts': '\n\nprix €,ville\n\n10,Zürich\n20,東京\n\n\n30,Zürich\n\n',
    'tab separated': 'a\tb\n1\tx y\n2.5\t\n',
    'categories matched by their bytes: same lengths, accents, NA markers and numbers among texts, more than 16 values': `c,d\n${Array.from({ length: 400 }, (_, i) => `${['red', 'rex', 'réd', 'NA', '5', '', 'Red', 'inf'][i % 8]},${i < 10 ? i : `v${i % 37}`}`).join('\n')}\n`,
  };
  for (const [name, text] of Object.entries(plain)) {
    it(`${name}: the same columns as papaparse gives`, async () => {
      const path = file('plain.csv', text);
      const delimiter = name === 'tab separated' ? '\t' : ',';
      const fast = await readPlainCsv(path, delimiter, {});
      assert.ok(fast, 'read from bytes');
      assert.deepStrictEqual(fast, await readQuotedCsv(path, delimiter, {}));
    });
  }

  it('a file of several megabytes splits into the same cells across chunk ends (multibyte texts too), rows past the estimate kept', async () => {
    // Long first rows make the size-based row estimate far too small: the columns must grow.
    const city = (i: number): string => (i < 10_000 ? 'Zürich'.repeat(30) : ['Zürich', '東京', 'NA', ''][i % 4]);
    const rows = Array.from({ length: 120_000 }, (_, i) => `${i},${(i * 0.37).toFixed(3)},${city(i)},${i % 7 === 0 ? 'x' : i}`);
    const path = file('big.csv', `id,x,city,late\r\n${rows.join('\r\n')}\r\n`);
    const fast = await readPlainCsv(path, ',', { columns: new Set(['x', 'city', 'late']) });
    assert.ok(fast);
    assert.deepStrictEqual(fast, await readQuotedCsv(path, ',', { columns: new Set(['x', 'city', 'late']) }));
    assert.equal(fast.columns.get('x')!.numbers!.length, 120_000);
  });

  it('a text column past the category limit is not compared, read from bytes as through papaparse', async () => {
    const rows = Array.from({ length: MAX_CATEGORIES * 1.6 }, (_, i) => `${i % 4 === 0 ? 'same' : `id${i}`},${i}`);
    const path = file('ids.csv', `id,n\n${rows.join('\n')}\n`);
    const fast = await readPlainCsv(path, ',', {});
    assert.ok(fast?.columns.get('id')!.unusable);
    assert.deepStrictEqual(fast, await readQuotedCsv(path, ',', {}));
  });

  it('a quote a few megabytes in stops the byte read mid-file (the next chunk already under way) for papaparse', async () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => (i === 250_000 ? '"7",seven' : `${i},x${i % 9}`));
    const path = file('late-quote.csv', `n,t\n${rows.join('\n')}\n`);
    assert.equal(await readPlainCsv(path, ',', {}), undefined);
    const read = await readDataset(path);
    assert.deepStrictEqual(read, await readQuotedCsv(path, ',', {}));
    assert.equal(read.rows, 300_000);
  });

  it('leaves quoted fields, mixed line ends and stray carriage returns to papaparse, which reads them', async () => {
    const others = ['a,b\n"1,5",2\n', 'a,b\n1,2\r\n3,4\n', 'a,b\r\n1,2\n3,4\r\n', 'a,b\n1,2\r3\n', 'a,b\r1,2\r3,4\r', 'a\r\n1\r'];
    for (const text of others) {
      const path = file('other.csv', text);
      assert.equal(await readPlainCsv(path, ',', {}), undefined, JSON.stringify(text));
      assert.deepStrictEqual(await outcome(readDataset(path)), await outcome(readQuotedCsv(path, ',', {})));
    }
  });

  it('refuses the same bad files with the same messages as papaparse', async () => {
    for (const text of ['a,b\n1,2,3\n', 'a,a\n1,2\n', '', '\n\n']) {
      const path = file('bad.csv', text);
      const expected = await outcome(readQuotedCsv(path, ',', {}));
      await assert.rejects(readPlainCsv(path, ',', {}), (e: Error) => e instanceof DataFileError && e.message === expected);
    }
  });
});

describe('worker threads', () => {
  it('a worker that ends without an answer leaves the file to the calling thread', async () => {
    const script = file('dying-worker.js', 'process.exit(3);\n');
    const [data] = await readSortedDatasets([file('w.csv', 'x\n2\n1\n')], {}, script);
    assert.deepEqual([...data.columns.get('x')!.numbers!], [1, 2]);
  });
});

describe('Parquet', () => {
  it('reads typed columns row group by row group: ints, doubles, strings, booleans, nulls; dates are not compared', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'n', data: [1, 2, 3, 4, 5], type: 'INT32' },
        { name: 'big', data: [10n, 20n, null, 40n, 50n], type: 'INT64' },
        { name: 'x', data: [0.5, NaN, 1.5, null, 2.5], type: 'DOUBLE' },
        { name: 's', data: ['a', 'b', 'a', null, '1'], type: 'STRING' },
        { name: 'ok', data: [true, false, true, true, false], type: 'BOOLEAN' },
        { name: 'when', data: [1, 2, 3, 4, 5].map((d) => new Date(Date.UTC(2024, 0, d))), type: 'TIMESTAMP' },
      ],
      rowGroupSize: 2,
    });
    const data = await readDataset(file('typed.parquet', new Uint8Array(buffer)));
    assert.equal(data.rows, 5);
    const n = data.columns.get('n')!;
    assert.deepEqual([[...n.numbers!], n.integerDtype], [[1, 2, 3, 4, 5], true]);
    const big = data.columns.get('big')!;
    assert.deepEqual([[...big.numbers!], big.integerDtype, big.missing], [[10, 20, 40, 50], false, 1]);
    const x = data.columns.get('x')!;
    assert.deepEqual([[...x.numbers!], x.missing], [[0.5, 1.5, 2.5], 2]);
    assert.deepEqual(
      [...data.columns.get('s')!.counts!],
      [
        ['a', 2],
        ['b', 1],
        ['1', 1],
      ],
    );
    assert.deepEqual(
      [...data.columns.get('ok')!.counts!],
      [
        ['true', 3],
        ['false', 2],
      ],
    );
    assert.match(data.columns.get('when')!.unusable!, /date or time/);
  });

  it('refuses a file that is not Parquet', async () => {
    await assert.rejects(readDataset(file('fake.parquet', 'not parquet at all')), /fake\.parquet is not a readable Parquet file/);
  });
});
