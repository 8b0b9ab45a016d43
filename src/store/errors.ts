// Errors of the store-layer modules beyond store.ts's NotFoundError and ParamConflictError.

/** Something with that name or id already exists (an experiment, a registered model). */
export class AlreadyExistsError extends Error {}

/** A value the store refuses: an unknown stage, a reserved alias, a deleted experiment. */
export class InvalidValueError extends Error {}
