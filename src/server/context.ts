import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggedModels } from '../store/loggedModels';
import type { ModelRegistry } from '../store/registry';
import type { Store } from '../store/store';
import type { Fields } from './fields';

/** The runner's run that the first runs/create of the process takes over instead of creating a run. */
export interface Adoption {
  runId: string;
  adopted: boolean;
}

/** What every handler can reach. */
export interface ServerContext {
  store: Store;
  registry: ModelRegistry;
  models: LoggedModels;
  adoption: Adoption | undefined;
  maxArtifactBytes: number;
  log: (line: string) => void;
  /** Runs before a history is read (sync fetches a pulled run's large history here on first ask). */
  beforeHistory?: (runId: string, key: string) => Promise<unknown>;
}

/** A JSON endpoint's input: its fields (query for GET, JSON body otherwise) and path parameters. */
export interface JsonCall {
  ctx: ServerContext;
  fields: Fields;
  params: Record<string, string>;
}

/** A streaming endpoint's input (artifact upload and download). */
export interface RawCall {
  ctx: ServerContext;
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
}

/** HTTP methods the API uses. */
export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** An endpoint whose handler returns the response object. */
export interface JsonRoute {
  method: Method;
  path: string;
  json: (call: JsonCall) => object;
  /** Awaited before `json`, outside its transaction (what needs the network, such as a lazy history). */
  prepare?: (call: JsonCall) => Promise<void>;
}

/** One endpoint: a JSON handler returns the response object; a raw handler writes the response itself. */
export type Route = JsonRoute | { method: Method; path: string; raw: (call: RawCall) => Promise<void> };
