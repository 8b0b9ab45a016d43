// Errors of the store layer (store.ts re-exports NotFoundError and ParamConflictError, where callers import them).

/** Something with that name or id already exists (an experiment, a registered model). */
export class AlreadyExistsError extends Error {}

/** A value the store refuses: an unknown stage, a reserved alias, a deleted experiment. */
export class InvalidValueError extends Error {}

/** A param logged again with a different value; MLflow params are immutable. */
export class ParamConflictError extends Error {
  constructor(
    readonly key: string,
    readonly oldValue: string,
    readonly newValue: string,
  ) {
    super(`Param '${key}' is already '${oldValue}' and cannot be changed to '${newValue}'.`);
  }
}

/** A run, experiment or model that does not exist. */
export class NotFoundError extends Error {}

/** The store was written by a newer Labbook (a schema this build does not know): refused before anything is written. */
export class StoreTooNewError extends Error {}

/** A run pulled from a remote: it changes only through pull until `labbook adopt` makes it a run of this store. */
export class ReadOnlyRunError extends Error {
  constructor(readonly runId: string) {
    super(
      `Run ${runId.slice(0, 8)} was pulled from a remote and is read-only here; \`labbook adopt ${runId.slice(0, 8)}\` makes it a run of this store.`,
    );
  }
}
