// A local stand-in for AWS Security Hub's BatchImportFindings (REST-JSON, POST /findings/import),
// faithful enough for the real SecurityHubClient: 1 to 100 findings a call, at most 240 KB each,
// the ASFF required attributes checked finding by finding (a bad finding lands in FailedFindings and
// the rest are imported), updates by Id + ProductArn that only take when UpdatedAt is later, the
// caller's default product ARN, and injected faults. Node built-ins only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  closeServer,
  deterministicUuid,
  LOOPBACK,
  listen,
  readBodyOr,
  regionFromAuthorization,
  sendAwsJson,
} from './net';

const JSON_TYPE = 'application/json';
/** "Maximum of 100 findings per request" (API reference). */
export const MAX_FINDINGS_PER_CALL = 100;
/** "The maximum allowed size for a finding is 240 Kb." */
export const MAX_FINDING_BYTES = 240 * 1024;
/** "up to 6 MB per batch" (user guide). */
const MAX_BATCH_BYTES = 6 * 1024 * 1024;
const SCHEMA_VERSION = '2018-10-08';
const SEVERITY_LABELS = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const REQUIRED_STRINGS = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'SchemaVersion',
  'Title',
  'UpdatedAt',
] as const;

export type Finding = Record<string, unknown> & { Id: string; ProductArn: string; UpdatedAt: string };

/** One accepted import: a new finding, or an update of an existing one. */
export interface FindingImport {
  readonly id: string;
  readonly productArn: string;
  readonly kind: 'created' | 'updated';
  /** The finding as sent. */
  readonly finding: Finding;
  /** When the server accepted it (the `now` option). */
  readonly at: Date;
}

export interface LocalSecurityHub {
  readonly endpoint: string;
  readonly accountId: string;
  /** `arn:aws:securityhub:<region>:<account>:product/<account>/default`. */
  defaultProductArn(region: string): string;
  /** The current state of every finding, by Id. */
  findings(): Map<string, Finding>;
  /** Every accepted import, updates included, in order. Ignored stale updates are not here. */
  readonly imports: FindingImport[];
  /** Re-imports that were ignored because their UpdatedAt was not later than the stored one. */
  readonly ignored: FindingImport[];
  /** Answers the next `count` calls with `status` and error `type` (e.g. 500 InternalException). */
  failNext(count: number, status: number, type: string): void;
  /** Every call, by operation name (including failed ones). */
  readonly calls: string[];
  /** Forgets findings, imports, calls and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && /\S/.test(v);
/** ASFF timestamps: RFC 3339 / ISO 8601 date-time. */
const isTimestamp = (v: unknown): boolean =>
  typeof v === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v) &&
  !Number.isNaN(Date.parse(v));

/** The first reason a finding does not follow the ASFF required attributes, or undefined. */
function asffProblem(f: Record<string, unknown>): string | undefined {
  for (const key of REQUIRED_STRINGS) {
    if (!isNonEmptyString(f[key])) return `data.${key} is required and must be a non-empty string`;
  }
  if (f.SchemaVersion !== SCHEMA_VERSION) return `data.SchemaVersion must be ${SCHEMA_VERSION}`;
  if (!/^\d{12}$/.test(String(f.AwsAccountId))) return 'data.AwsAccountId must be a 12-digit account id';
  for (const key of ['CreatedAt', 'UpdatedAt'] as const) {
    if (!isTimestamp(f[key])) return `data.${key} must be an ISO 8601 timestamp`;
  }
  const types = f.Types;
  if (!Array.isArray(types) || types.length === 0 || !types.every(isNonEmptyString)) {
    return 'data.Types is required and must be a non-empty list of strings';
  }
  const severity = f.Severity as Record<string, unknown> | undefined;
  if (severity === null || typeof severity !== 'object' || Array.isArray(severity)) {
    return 'data.Severity is required';
  }
  const hasLabel = severity.Label !== undefined;
  const hasNormalized = severity.Normalized !== undefined;
  if (!hasLabel && !hasNormalized) return 'data.Severity must have Label or Normalized';
  if (hasLabel && !SEVERITY_LABELS.has(String(severity.Label))) return 'data.Severity.Label is not valid';
  if (
    hasNormalized &&
    (!Number.isInteger(severity.Normalized) ||
      (severity.Normalized as number) < 0 ||
      (severity.Normalized as number) > 100)
  ) {
    return 'data.Severity.Normalized must be an integer from 0 to 100';
  }
  const resources = f.Resources;
  if (!Array.isArray(resources) || resources.length === 0) {
    return 'data.Resources is required and must be a non-empty list';
  }
  for (const [i, r] of resources.entries()) {
    const res = r as Record<string, unknown> | null;
    if (res === null || typeof res !== 'object') return `data.Resources[${i}] must be an object`;
    if (!isNonEmptyString(res.Type)) return `data.Resources[${i}].Type is required`;
    if (!isNonEmptyString(res.Id)) return `data.Resources[${i}].Id is required`;
  }
  return undefined;
}

export async function startLocalSecurityHub(
  options: { port?: number; now?: () => Date; accountId?: string } = {},
): Promise<LocalSecurityHub> {
  const accountId = options.accountId ?? '123456789012';
  const now = options.now ?? (() => new Date());
  /** Keyed by ProductArn + Id: the pair identifies a finding. */
  const stored = new Map<string, Finding>();
  const imports: FindingImport[] = [];
  const ignored: FindingImport[] = [];
  const calls: string[] = [];
  let faults: { count: number; status: number; type: string } = { count: 0, status: 500, type: '' };
  let requests = 0;

  const defaultProductArn = (region: string) =>
    `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`;

  const batchImport = (input: Record<string, unknown>, region: string) => {
    const findings = input.Findings;
    if (!Array.isArray(findings)) throw new ApiError(400, 'InvalidInputException', 'Findings is required');
    if (findings.length < 1 || findings.length > MAX_FINDINGS_PER_CALL) {
      throw new ApiError(
        400,
        'InvalidInputException',
        `Findings must contain 1 to ${MAX_FINDINGS_PER_CALL} findings, got ${findings.length}`,
      );
    }
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    let success = 0;
    const at = now();
    for (const raw of findings) {
      const f = (raw ?? {}) as Record<string, unknown>;
      const id = isNonEmptyString(f.Id) ? f.Id : '(missing Id)';
      const fail = (code: string, message: string) =>
        failed.push({ Id: id, ErrorCode: code, ErrorMessage: message });
      if (Buffer.byteLength(JSON.stringify(raw ?? null)) > MAX_FINDING_BYTES) {
        fail('FindingSizeExceeded', `Finding ${id} is larger than 240 KB`);
        continue;
      }
      const problem =
        raw === null || typeof raw !== 'object' || Array.isArray(raw)
          ? 'finding must be an object'
          : asffProblem(f);
      if (problem) {
        fail('InvalidInput', `Finding does not adhere to Amazon Security Finding Format. ${problem}`);
        continue;
      }
      if (f.AwsAccountId !== accountId) {
        fail(
          'AccessDeniedException',
          `Account ${accountId} may not import findings for ${String(f.AwsAccountId)}`,
        );
        continue;
      }
      if (f.ProductArn !== defaultProductArn(region)) {
        fail(
          'InvalidProductArn',
          `ProductArn must be ${defaultProductArn(region)} for this account and Region`,
        );
        continue;
      }
      const finding = f as Finding;
      const key = `${finding.ProductArn}\n${finding.Id}`;
      const existing = stored.get(key);
      if (existing && Date.parse(finding.UpdatedAt) <= Date.parse(existing.UpdatedAt)) {
        // "If UpdatedAt on the update matches or occurs before the UpdatedAt on the existing
        // finding, then the update is ignored" — not an error.
        ignored.push({ id: finding.Id, productArn: finding.ProductArn, kind: 'updated', finding, at });
        success += 1;
        continue;
      }
      // Workflow-owned fields survive provider updates.
      const merged: Finding = existing
        ? {
            ...finding,
            ...(existing.Workflow !== undefined ? { Workflow: existing.Workflow } : {}),
            ...(existing.Note !== undefined ? { Note: existing.Note } : {}),
            ...(existing.UserDefinedFields !== undefined
              ? { UserDefinedFields: existing.UserDefinedFields }
              : {}),
            ...(existing.VerificationState !== undefined
              ? { VerificationState: existing.VerificationState }
              : {}),
            CreatedAt: existing.CreatedAt,
          }
        : finding;
      stored.set(key, merged);
      imports.push({
        id: finding.Id,
        productArn: finding.ProductArn,
        kind: existing ? 'updated' : 'created',
        finding,
        at,
      });
      success += 1;
    }
    return { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed };
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void =>
    sendAwsJson(res, status, body, {
      contentType: JSON_TYPE,
      requestId: deterministicUuid('securityhub', ++requests),
      errorType,
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const raw = await readBodyOr(
        req,
        MAX_BATCH_BYTES,
        (message) => new ApiError(413, 'InvalidInputException', message),
      );
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/findings/import') {
        throw new ApiError(404, 'UnknownOperationException', `No operation at ${req.method} ${path}`);
      }
      const authorization = req.headers.authorization;
      if (!authorization) {
        throw new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      calls.push('BatchImportFindings');
      if (faults.count > 0) {
        faults.count -= 1;
        throw new ApiError(faults.status, faults.type, `Injected ${faults.type}`);
      }
      let input: unknown;
      try {
        input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ApiError(400, 'InvalidInputException', 'Request body is not valid JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new ApiError(400, 'InvalidInputException', 'Request body must be an object');
      }
      const region = regionFromAuthorization(authorization) ?? 'us-east-1';
      send(res, 200, batchImport(input as Record<string, unknown>, region));
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError(500, 'InternalException', 'Internal error');
      send(res, e.status, { Code: e.type, Message: e.message }, e.type);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    accountId,
    defaultProductArn,
    findings: () => new Map([...stored.values()].map((f) => [f.Id, f])),
    imports,
    ignored,
    failNext(count, status, type) {
      faults = { count, status, type };
    },
    calls,
    reset() {
      stored.clear();
      imports.length = 0;
      ignored.length = 0;
      calls.length = 0;
      faults = { count: 0, status: 500, type: '' };
    },
    close: () => closeServer(server),
  };
}
