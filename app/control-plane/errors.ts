/**
 * Errors of the control plane client. The RPCs raise Postgres errors with a SQLSTATE and, for bad
 * input, the field at fault in COLUMN and in DETAIL (`field: objects[3].object_type`); every adapter
 * turns them into these classes, so callers branch on the class and read `field`, whichever way
 * (pg, PGlite, supabase-js) the error travelled. PostgREST drops COLUMN but keeps DETAIL, which is
 * why the field is also read from there.
 */

export interface ControlPlaneErrorFields {
  /** SQLSTATE (`22023`), or a PostgREST code (`PGRST...`) for errors that never reached Postgres. */
  code?: string;
  /** The input field at fault, where the error names one (`artifact`, `consumers[2].name`). */
  field?: string;
  detail?: string;
  hint?: string;
  /** The RPC or table the call was made to. */
  operation?: string;
}

export class ControlPlaneError extends Error implements ControlPlaneErrorFields {
  readonly code?: string;
  readonly field?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly operation?: string;

  constructor(message: string, fields: ControlPlaneErrorFields = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = fields.code;
    this.field = fields.field;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.operation = fields.operation;
  }
}

/** 22023 and the other data exceptions (22xxx): bad input, `field` names it. */
export class InvalidArgumentError extends ControlPlaneError {}

/** 42704: something the call names does not exist, e.g. a heartbeat from an unregistered consumer. */
export class UnknownObjectError extends ControlPlaneError {}

/** 55000: the object is not in the state the call needs (a run no longer held, a finished scan, append-only history). */
export class StateConflictError extends ControlPlaneError {}

/** 23505: a row with the same key exists. */
export class UniqueViolationError extends ControlPlaneError {}

/** 23xxx other than 23505: a foreign key, check or not-null constraint rejected the row. */
export class ConstraintViolationError extends ControlPlaneError {}

/** P0001: a plain RAISE EXCEPTION. */
export class RaisedError extends ControlPlaneError {}

/** 42501, or PostgREST refusing the key: the caller's role may not do this. */
export class PermissionDeniedError extends ControlPlaneError {}

/** The database or the API could not be reached, or the connection broke (08xxx, network errors). */
export class ConnectionError extends ControlPlaneError {}

const FIELD_IN_DETAIL = /^field: ([^;\s]+)/;

/** The field named by an RPC error: COLUMN when the driver reports it, else DETAIL's `field: ...`. */
export function fieldOf(column: string | undefined, detail: string | undefined): string | undefined {
  if (column) return column;
  const match = detail ? FIELD_IN_DETAIL.exec(detail) : null;
  return match?.[1];
}

/** The class for a SQLSTATE. */
export function errorClassFor(code: string | undefined): typeof ControlPlaneError {
  if (!code) return ControlPlaneError;
  if (code === '42704') return UnknownObjectError;
  if (code === '55000') return StateConflictError;
  if (code === '23505') return UniqueViolationError;
  if (code === 'P0001') return RaisedError;
  if (code === '42501') return PermissionDeniedError;
  if (code.startsWith('22')) return InvalidArgumentError;
  if (code.startsWith('23')) return ConstraintViolationError;
  // 08: connection exceptions; 57P01-57P03: the server shut down or is starting (a restart, a terminated session).
  if (code.startsWith('08') || /^57P0[123]$/.test(code)) return ConnectionError;
  return ControlPlaneError;
}

function text(source: Record<string, unknown>, key: string): string | undefined {
  const value = source[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A typed error from what a driver threw or PostgREST returned: pg and PGlite errors carry `code`,
 * `detail`, `hint`, `column`; PostgREST's JSON carries `code`, `message`, `details`, `hint`.
 */
export function toControlPlaneError(error: unknown, operation?: string): ControlPlaneError {
  if (error instanceof ControlPlaneError) return error;
  const source = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const message = text(source, 'message') ?? (error instanceof Error ? error.message : String(error));
  const code = text(source, 'code');
  const detail = text(source, 'detail') ?? text(source, 'details');
  const hint = text(source, 'hint');
  const field = fieldOf(text(source, 'column'), detail);
  const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE']);
  // node-postgres reports a socket the server closed with no SQLSTATE.
  const lostConnection = !code && /Connection terminated|Client has encountered a connection error|connection ended/i.test(message);
  const Class = (code && networkCodes.has(code)) || lostConnection ? ConnectionError : errorClassFor(code);
  const prefix = operation ? `${operation}: ` : '';
  return new Class(`${prefix}${message}`, { code, field, detail, hint, operation }, { cause: error });
}
