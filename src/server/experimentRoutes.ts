// Experiments: create, get, get-by-name, search, update, delete, restore, tags.
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createExperiment,
  deleteExperimentTag,
  experimentRecord,
  experimentRecordByName,
  experimentRecords,
  renameExperiment,
  setExperimentLifecycle,
  setExperimentTag,
} from '../store/tracking';
import type { ExperimentRecord, Lifecycle } from '../store/tracking';
import { AlreadyExistsError } from '../store/errors';
import type { JsonCall, Route, ServerContext } from './context';
import { checkArtifactPath } from './artifactRoutes';
import { ApiError, invalid, invalidValue } from './fields';
import type { Fields } from './fields';
import { pagedJson } from './paging';
import { isFieldOf, parseOrderBy, searchPage } from './searchFilter';
import type { OrderTerm, Searchable } from './searchFilter';
import { experimentJson } from './wire';

/** An experiment id field ("0", "12"): anything else is a 400. */
export function experimentIdOf(text: string, name = 'experiment_id'): number {
  if (!/^\d{1,15}$/.test(text)) throw invalid(`Invalid value '${text}' for parameter '${name}': expected an experiment id.`);
  return Number(text);
}

/** The experiment with this id (as sent), or MLflow's 404, which a malformed id gets too. */
export function experimentOf(ctx: ServerContext, text: string): ExperimentRecord {
  const experiment = /^\d{1,15}$/.test(text) ? experimentRecord(ctx.store, Number(text)) : undefined;
  if (!experiment) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${text} exists`);
  return experiment;
}

/** The experiment named by the `experiment_id` field, or a 404. */
export function requireExperiment(ctx: ServerContext, fields: Fields): ExperimentRecord {
  return experimentOf(ctx, fields.string('experiment_id'));
}

function getExperiment({ ctx, fields }: JsonCall): object {
  return { experiment: experimentJson(requireExperiment(ctx, fields)) };
}

function getByName({ ctx, fields }: JsonCall): object {
  const name = fields.string('experiment_name');
  const experiment = experimentRecordByName(ctx.store, name);
  if (!experiment) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
  return { experiment: experimentJson(experiment) };
}

// `mlflow-artifacts:/<root>` without a host: this server's proxy, under another root (a host names another server).
const PROXIED_ROOT = /^mlflow-artifacts:\/(?!\/)(.+)$/;

function servedRoot(text: string): boolean {
  const root = PROXIED_ROOT.exec(text)?.[1]?.replace(/\/+$/, '');
  if (!root) return false;
  try {
    return checkArtifactPath(root) === root;
  } catch {
    return false;
  }
}

/**
 * The artifact root an experiments/create asked for: null (unset or empty) for this server's own store; another
 * root of this server's proxy (`mlflow-artifacts:/<root>`); or a local folder (an absolute path or a file:// URI)
 * the client writes to itself, as with MLflow. Anything else (object stores, other servers) Labbook cannot serve:
 * a 400 that says so.
 */
export function artifactLocationOf(text: string | undefined): string | null {
  if (!text) return null;
  if (servedRoot(text)) return text;
  if (isAbsolute(text) && !text.includes('\u0000')) return text;
  if (/^file:/i.test(text)) {
    try {
      fileURLToPath(text);
      return text;
    } catch {
      // not a local file URI: refused below
    }
  }
  throw invalid(
    `The artifact_location '${text}' cannot be served by Labbook: leave it unset (Labbook stores the artifacts) or give a local folder as an absolute path or file:// URI.`,
  );
}

function create({ ctx, fields }: JsonCall): object {
  const name = fields.nonEmpty('name');
  const location = artifactLocationOf(fields.optString('artifact_location'));
  try {
    return { experiment_id: String(createExperiment(ctx.store, name, fields.keyValueMap('tags'), location)) };
  } catch (error) {
    if (error instanceof AlreadyExistsError) throw new ApiError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
    throw error;
  }
}

const searchable: Searchable<ExperimentRecord> = {
  attributes: { name: 'string', experiment_id: 'number', creation_time: 'number', last_update_time: 'number' },
  valuesOf: (e) => ({ name: e.name, experiment_id: e.id, creation_time: e.createdAt, last_update_time: e.updatedAt }),
  keyed: { tags: (e) => e.tags },
};

/** Which lifecycles a view type asks for (MLflow: ACTIVE_ONLY by default, DELETED_ONLY, ALL); `param` names it in errors. */
export function lifecyclesOf(viewType: string | undefined, param = 'view_type'): readonly Lifecycle[] {
  switch (viewType ?? 'ACTIVE_ONLY') {
    case 'ACTIVE_ONLY':
    case '1':
      return ['active'];
    case 'DELETED_ONLY':
    case '2':
      return ['deleted'];
    case 'ALL':
    case '3':
      return ['active', 'deleted'];
    default:
      throw invalidValue(param, viewType);
  }
}

// MLflow's order: newest first by default; experiment_id breaks ties (DESC after an order_by that does not name it).
function experimentOrder(fields: Fields): OrderTerm[] {
  const terms = parseOrderBy(fields.strings('order_by'), isFieldOf(searchable));
  if (terms.length === 0)
    return [
      { field: 'creation_time', descending: true },
      { field: 'experiment_id', descending: false },
    ];
  const named = terms.some((t) => t.field.replace(/^attributes?\./, '') === 'experiment_id');
  return named ? terms : [...terms, { field: 'experiment_id', descending: true }];
}

function search({ ctx, fields }: JsonCall): object {
  const lifecycles = lifecyclesOf(fields.optString('view_type'));
  const experiments = experimentRecords(ctx.store).filter((e) => lifecycles.includes(e.lifecycle));
  const page = searchPage(experiments, searchable, fields, { fallback: 1000, cap: 50_000 }, experimentOrder(fields));
  return pagedJson('experiments', page.items.map(experimentJson), page.nextPageToken);
}

function update({ ctx, fields }: JsonCall): object {
  const experiment = requireExperiment(ctx, fields);
  if (fields.has('new_name')) renameExperiment(ctx.store, experiment.id, fields.nonEmpty('new_name'));
  return {};
}

function lifecycleSetter(lifecycle: 'active' | 'deleted') {
  return ({ ctx, fields }: JsonCall): object => {
    setExperimentLifecycle(ctx.store, requireExperiment(ctx, fields).id, lifecycle);
    return {};
  };
}

function setTag({ ctx, fields }: JsonCall): object {
  setExperimentTag(ctx.store, requireExperiment(ctx, fields).id, fields.key(), fields.string('value'));
  return {};
}

function deleteTag({ ctx, fields }: JsonCall): object {
  const key = fields.key();
  if (!deleteExperimentTag(ctx.store, requireExperiment(ctx, fields).id, key))
    throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No experiment tag '${key}'.`);
  return {};
}

/** Experiment endpoints. */
export const experimentRoutes: readonly Route[] = [
  { method: 'GET', path: 'mlflow/experiments/get', json: getExperiment },
  { method: 'GET', path: 'mlflow/experiments/get-by-name', json: getByName },
  { method: 'POST', path: 'mlflow/experiments/create', json: create },
  { method: 'POST', path: 'mlflow/experiments/search', json: search },
  { method: 'GET', path: 'mlflow/experiments/search', json: search },
  { method: 'POST', path: 'mlflow/experiments/update', json: update },
  { method: 'POST', path: 'mlflow/experiments/delete', json: lifecycleSetter('deleted') },
  { method: 'POST', path: 'mlflow/experiments/restore', json: lifecycleSetter('active') },
  { method: 'POST', path: 'mlflow/experiments/set-experiment-tag', json: setTag },
  { method: 'POST', path: 'mlflow/experiments/delete-experiment-tag', json: deleteTag },
];
