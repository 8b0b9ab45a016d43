// TensorBoard event files: Event and Summary protobufs (tensorflow/core/util/event.proto, framework/summary.proto,
// tensor.proto), decoded by protobufjs from the subset of their schema that scalars need.
import protobuf from 'protobufjs/light';
import type { MetricPoint } from '../../core/types';
import { scanTfRecords, type TfRecordProblem } from './tfRecord';

const SCHEMA = {
  nested: {
    Event: {
      fields: {
        wallTime: { type: 'double', id: 1 },
        step: { type: 'int64', id: 2 },
        fileVersion: { type: 'string', id: 3 },
        summary: { type: 'Summary', id: 5 },
      },
    },
    Summary: { fields: { value: { rule: 'repeated', type: 'SummaryValue', id: 1 } } },
    SummaryValue: {
      fields: {
        tag: { type: 'string', id: 1 },
        simpleValue: { type: 'float', id: 2 },
        tensor: { type: 'TensorProto', id: 8 },
        metadata: { type: 'SummaryMetadata', id: 9 },
      },
    },
    SummaryMetadata: { fields: { pluginData: { type: 'PluginData', id: 1 } } },
    PluginData: { fields: { pluginName: { type: 'string', id: 1 } } },
    TensorProto: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        tensorShape: { type: 'TensorShape', id: 2 },
        tensorContent: { type: 'bytes', id: 4 },
        floatVal: { rule: 'repeated', type: 'float', id: 5 },
        doubleVal: { rule: 'repeated', type: 'double', id: 6 },
        intVal: { rule: 'repeated', type: 'int32', id: 7 },
        int64Val: { rule: 'repeated', type: 'int64', id: 10 },
      },
    },
    TensorShape: { fields: { dim: { rule: 'repeated', type: 'TensorDim', id: 2 } } },
    TensorDim: { fields: { size: { type: 'int64', id: 1 } } },
  },
};

const EventType = protobuf.Root.fromJSON(SCHEMA).lookupType('Event');

interface TensorProto {
  dtype?: number;
  tensorShape?: { dim?: { size?: number }[] };
  tensorContent?: Uint8Array;
  floatVal?: number[];
  doubleVal?: number[];
  intVal?: number[];
  int64Val?: number[];
}

interface SummaryValue {
  tag?: string;
  simpleValue?: number;
  tensor?: TensorProto;
  metadata?: { pluginData?: { pluginName?: string } };
}

interface Event {
  wallTime?: number;
  step?: number;
  summary?: { value?: SummaryValue[] };
}

// TensorFlow's DataType enum values for the numeric types a scalar summary can hold.
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;

/** Scalars found in one event file, the problems met, and where reading stopped (for a live file). */
export interface EventFileScalars {
  points: MetricPoint[];
  problems: TfRecordProblem[];
  end: number;
}

/** Tag -> plugin name, carried across passes: TensorFlow writes a tag's metadata on its first value only. */
export type TagPlugins = Map<string, string>;

/** The scalar points of an event file from byte `start` (simple_value and TF2 scalar tensors). */
export function eventFileScalars(bytes: Uint8Array, start = 0, plugins: TagPlugins = new Map()): EventFileScalars {
  const scan = scanTfRecords(bytes, start);
  const points: MetricPoint[] = [];
  const problems = [...scan.problems];
  for (const record of scan.records) {
    let event: Event;
    try {
      event = EventType.toObject(EventType.decode(record.data), { longs: Number }) as Event;
    } catch (error) {
      problems.push({ offset: record.offset, message: `not an Event protobuf: ${(error as Error).message}` });
      continue;
    }
    points.push(...scalarsOf(event, plugins));
  }
  return { points, problems, end: scan.end };
}

function scalarsOf(event: Event, plugins: TagPlugins): MetricPoint[] {
  const timestamp = Math.round((event.wallTime ?? 0) * 1000);
  const step = event.step ?? 0;
  const points: MetricPoint[] = [];
  for (const value of event.summary?.value ?? []) {
    if (!value.tag) continue;
    const plugin = value.metadata?.pluginData?.pluginName;
    if (plugin) plugins.set(value.tag, plugin);
    const scalar = scalarValue(value, plugins.get(value.tag));
    if (scalar !== undefined) points.push({ key: value.tag, value: scalar, step, timestamp });
  }
  return points;
}

function scalarValue(value: SummaryValue, plugin: string | undefined): number | undefined {
  if (value.simpleValue !== undefined) return value.simpleValue;
  if (!value.tensor || (plugin !== undefined && plugin !== 'scalars')) return undefined;
  return tensorScalar(value.tensor);
}

/** The one number of a rank-0 (or single-element) numeric tensor; anything else is not a scalar. */
export function tensorScalar(tensor: TensorProto): number | undefined {
  const elements = (tensor.tensorShape?.dim ?? []).reduce((product, dim) => product * (dim.size ?? 0), 1);
  if (elements !== 1) return undefined;
  const listed = tensor.floatVal?.[0] ?? tensor.doubleVal?.[0] ?? tensor.intVal?.[0] ?? tensor.int64Val?.[0];
  if (listed !== undefined) return listed;
  return contentScalar(tensor.dtype, tensor.tensorContent);
}

function contentScalar(dtype: number | undefined, content: Uint8Array | undefined): number | undefined {
  if (!content || content.length === 0) return undefined;
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  if (dtype === DT_FLOAT && content.length >= 4) return view.getFloat32(0, true);
  if (dtype === DT_DOUBLE && content.length >= 8) return view.getFloat64(0, true);
  if (dtype === DT_INT32 && content.length >= 4) return view.getInt32(0, true);
  if (dtype === DT_INT64 && content.length >= 8) return Number(view.getBigInt64(0, true));
  return undefined;
}
