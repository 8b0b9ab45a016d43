// Reading CSV and Parquet files into drift samples: pandas' missing markers, numbers versus text, bad files.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataFileError, decimalNumber, readDataset, readSortedDatasets } from '../../src/capture/driftData';

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
  it('reads every plain decimal exactly as Number() does, to the last bit, and leaves other texts to it', () => {
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
    for (const text of texts) {
      const expected = numberByNumber(text);
      const actual = decimalNumber(text);
      assert.ok(expected === undefined ? actual === undefined : Object.is(actual, expected), `${JSON.stringify(text)}: ${actual} != ${expected}`);
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
