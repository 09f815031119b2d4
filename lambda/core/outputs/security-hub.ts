// The Security Hub output's formatting: alerts as AWS Security Finding Format (ASFF) findings for
// BatchImportFindings (grouped into requests in security-hub-imports.ts). PURE: no SDK, no
// environment, no clock (the time is passed in for the rare finding whose event has none).
//
// What the Security Hub documentation says, and what this does about it:
// - With the account's default product ARN (`arn:aws:securityhub:<region>:<account>:product/<account>/default`),
//   BatchImportFindings must be called by the account the finding is associated with: the caller's
//   account id must equal the finding's `AwsAccountId`. So `AwsAccountId` is always the product ARN's
//   (the caller's) account; the account the event was recorded in (another member, in organization
//   mode) is named in the Description, the `AwsAccount` resource and `ProductFields`.
// - After a finding is created, BatchImportFindings cannot update `Workflow`, `Note`,
//   `UserDefinedFields` or `VerificationState`, and providers should change `Severity` and `Types`
//   through `FindingProviderFields`. The output is stateless (it cannot tell a create from a re-send),
//   so it never sends `Workflow` (Security Hub starts new findings as NEW) and sends `Severity` and
//   `Types` both at the top level (required on create) and in `FindingProviderFields`.
// - `Region` is filled in by Security Hub and cannot be set by BatchImportFindings: the event's
//   region goes on the resources, the Description and `ProductFields` instead.
// - A re-send keeps the same `Id` and `UpdatedAt` (the event time): Security Hub ignores an update
//   whose UpdatedAt is not later than the stored one, so a retry neither duplicates nor churns.
// - Limits: 100 findings and 6 MB a request, 240 KB a finding; Title 256, Description 1024,
//   Id and GeneratorId 512, Recommendation.Text 512, FindingProviderFields.Severity.Original 64,
//   ProductFields 50 pairs (key 128, value 2048), Types 50, Resources 32.
import { REGION_PATTERN, stableId } from '../alert/text';
import type { ForwardItem } from '../ports';
import type { Severity } from '../types';
import type { AlertDocument, DigestDocument, DigestEntry, OutputDocument } from './document';
import { clip, field } from './limits';

export const ASFF_SCHEMA_VERSION = '2018-10-08';
export const MAX_FINDINGS_PER_IMPORT = 100;
export const MAX_FINDING_BYTES = 240 * 1024;
export const MAX_IMPORT_REQUEST_BYTES = 6 * 1024 * 1024;

const LIMITS = {
  title: 256,
  description: 1024,
  id: 512,
  generatorId: 512,
  recommendation: 512,
  original: 64,
  productFieldValue: 2048,
  url: 2048,
} as const;

export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export const SEVERITY_LABELS: Readonly<Record<Severity, SeverityLabel>> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

/**
 * MITRE ATT&CK tactics by id, as ASFF finding types. The TTPs namespace has the ten tactic
 * categories the ASFF type taxonomy lists; exfiltration and impact are effects there; the
 * pre-compromise tactics (reconnaissance, resource development) have no ASFF type.
 */
export const TACTIC_TYPES: Readonly<Record<string, string>> = {
  TA0001: 'TTPs/Initial Access',
  TA0002: 'TTPs/Execution',
  TA0003: 'TTPs/Persistence',
  TA0004: 'TTPs/Privilege Escalation',
  TA0005: 'TTPs/Defense Evasion',
  TA0006: 'TTPs/Credential Access',
  TA0007: 'TTPs/Discovery',
  TA0008: 'TTPs/Lateral Movement',
  TA0009: 'TTPs/Collection',
  TA0011: 'TTPs/Command and Control',
  TA0010: 'Effects/Data Exfiltration',
  TA0040: 'Effects',
};

/** A user's API call that matched no ASFF tactic: general unusual behaviour by a user. */
export const FALLBACK_TYPE = 'Unusual Behaviors/User';

export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

export interface AsffResource {
  readonly Type: string;
  readonly Id: string;
  readonly Partition?: AwsPartition;
  readonly Region?: string;
  readonly ResourceRole?: string;
}

/** The ASFF fields this output sends; structurally an `AwsSecurityFinding` for the SDK. */
export interface AsffFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt: string;
  readonly LastObservedAt: string;
  readonly Severity: { readonly Label: SeverityLabel; readonly Original: string };
  readonly Title: string;
  readonly Description: string;
  readonly Remediation: { readonly Recommendation: { readonly Text: string; readonly Url?: string } };
  readonly SourceUrl: string;
  readonly ProductFields: Record<string, string>;
  readonly Resources: AsffResource[];
  readonly RecordState: 'ACTIVE';
  readonly FindingProviderFields: {
    readonly Severity: { readonly Label: SeverityLabel; readonly Original: string };
    readonly Types: string[];
  };
}

/** Where findings go: from the configured product ARN. */
export interface ImportTarget {
  readonly productArn: string;
  readonly partition: AwsPartition;
  readonly region: string;
  /** The caller's account: every finding's `AwsAccountId`. */
  readonly accountId: string;
}

const PRODUCT_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):product\/[^\s/]+\/[^\s/]+$/;

/** Reads a Security Hub product ARN; throws a plain Error saying what the ARN should look like. */
export function parseProductArn(productArn: string): ImportTarget {
  const match = PRODUCT_ARN.exec(productArn);
  if (!match) {
    throw new Error(
      `Security Hub product ARN ${JSON.stringify(productArn.slice(0, 200))} is not of the form ` +
        'arn:aws:securityhub:<region>:<account>:product/<account>/default',
    );
  }
  return { productArn, partition: match[1] as AwsPartition, region: match[2]!, accountId: match[3]! };
}

/** The account's own product, which every account with Security Hub enabled can import into. */
export function defaultProductArn(region: string, accountId: string, partition = 'aws'): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

const ACCOUNT = /^\d{12}$/;
const ACCESS_KEY = /^A[KS]IA[A-Z0-9]{12,124}$/;
const IAM_NAME_PATH = '[\\w+=,.@/-]{1,512}';
const IAM_USER_ARN = new RegExp(`^arn:aws(?:-cn|-us-gov)?:iam::\\d{12}:user/${IAM_NAME_PATH}$`);
const IAM_ROLE_ARN = new RegExp(`^arn:aws(?:-cn|-us-gov)?:iam::\\d{12}:role/${IAM_NAME_PATH}$`);
const HTTPS_URL = /^https:\/\/[\x21-\x7e]+$/;

/** ASFF types for MITRE `TAxxxx:Txxxx` pairs: each known tactic once, else the fallback. */
export function findingTypes(mitre: readonly string[]): string[] {
  const types: string[] = [];
  for (const pair of mitre) {
    const type = TACTIC_TYPES[pair.split(':')[0]?.trim() ?? ''];
    if (type !== undefined && !types.includes(type)) types.push(type);
  }
  return types.length > 0 ? types.slice(0, 50) : [FALLBACK_TYPE];
}

/**
 * `trailwatch/<account>/<region>/<hash>`, the hash being `stableId(eventId#ruleId)` (an alert
 * document's `id`): the same alert always gets the same Id, so a re-send updates, never duplicates.
 */
export function findingId(account: string, region: string, hash: string): string {
  const where = `${ACCOUNT.test(account) ? account : 'unknown'}/${REGION_PATTERN.test(region) ? region : 'unknown'}`;
  return `trailwatch/${where}/${hash}`;
}

/**
 * The ISO time for CreatedAt / UpdatedAt / FirstObservedAt: the event's, else the item's, else the
 * document's generation time, else `nowMs`. Security Hub requires all of them to be timestamps.
 */
function observedAt(candidates: readonly (string | number)[], nowMs: number): string {
  for (const candidate of candidates) {
    const ms =
      typeof candidate === 'number' ? candidate : isoLike(candidate) ? Date.parse(candidate) : Number.NaN;
    if (Number.isFinite(ms)) {
      const date = new Date(ms);
      if (!Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999) {
        return date.toISOString();
      }
    }
  }
  return new Date(nowMs).toISOString();
}

function isoLike(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text);
}

function labelled(parts: readonly [string, string][]): string {
  return parts
    .filter(([, value]) => value !== '')
    .map(([label, value]) => `${label}: ${value}${/[.!?]$/.test(value) ? '' : '.'}`)
    .join(' ');
}

function productFields(pairs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(pairs)) {
    const text = field(value, LIMITS.productFieldValue);
    if (text !== '') out[`trailwatch/${key}`] = text;
  }
  return out;
}

function accountResource(eventAccount: string, region: string, target: ImportTarget): AsffResource {
  return {
    Type: 'AwsAccount',
    Id: `AWS::::Account:${ACCOUNT.test(eventAccount) ? eventAccount : target.accountId}`,
    Partition: target.partition,
    ...(REGION_PATTERN.test(region) && region.length <= 16 ? { Region: region } : {}),
  };
}

/** The actor as IAM resources, where the event names them in a form that cannot be mistaken. */
function actorResources(
  candidates: { accessKeyId?: string; userArn?: string; roleArn?: string },
  partition: AwsPartition,
): AsffResource[] {
  const out: AsffResource[] = [];
  const add = (Type: string, Id: string) =>
    out.push({ Type, Id, Partition: partition, ResourceRole: 'Actor' });
  if (candidates.accessKeyId && ACCESS_KEY.test(candidates.accessKeyId)) {
    add('AwsIamAccessKey', candidates.accessKeyId);
  }
  if (candidates.userArn && IAM_USER_ARN.test(candidates.userArn)) add('AwsIamUser', candidates.userArn);
  if (candidates.roleArn && IAM_ROLE_ARN.test(candidates.roleArn)) add('AwsIamRole', candidates.roleArn);
  return out;
}

function severityOf(severity: Severity): AsffFinding['Severity'] {
  return { Label: SEVERITY_LABELS[severity], Original: clip(severity, LIMITS.original) };
}

function recommendationUrl(reference: string, console: string): string {
  return HTTPS_URL.test(reference) && reference.length <= LIMITS.url ? reference : console;
}

function accountText(account: string, name: string, ouPath: string): string {
  const label = [field(name, 64), field(ouPath, 128)].filter((part) => part !== '').join(', ');
  const id = field(account, 32) || 'unknown';
  return label ? `${id} (${label})` : id;
}

interface Common {
  readonly id: string;
  readonly generatorId: string;
  readonly types: string[];
  readonly time: string;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  readonly recommendation: { readonly Text: string; readonly Url?: string };
  readonly sourceUrl: string;
  readonly productFields: Record<string, string>;
  readonly resources: AsffResource[];
}

function asff(target: ImportTarget, c: Common): AsffFinding {
  const severity = severityOf(c.severity);
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: clip(c.id, LIMITS.id),
    ProductArn: target.productArn,
    GeneratorId: field(c.generatorId, LIMITS.generatorId) || 'trailwatch',
    AwsAccountId: target.accountId,
    Types: c.types,
    CreatedAt: c.time,
    UpdatedAt: c.time,
    FirstObservedAt: c.time,
    LastObservedAt: c.time,
    Severity: severity,
    Title: clip(c.title, LIMITS.title) || 'trailwatch alert',
    Description: clip(c.description, LIMITS.description) || 'trailwatch alert',
    Remediation: { Recommendation: c.recommendation },
    SourceUrl: c.sourceUrl,
    ProductFields: c.productFields,
    Resources: c.resources.slice(0, 32),
    RecordState: 'ACTIVE',
    FindingProviderFields: { Severity: { ...severity }, Types: [...c.types] },
  };
}

function alertFinding(
  doc: AlertDocument,
  item: ForwardItem,
  target: ImportTarget,
  nowMs: number,
): AsffFinding {
  const e = doc.event;
  const a = doc.actor;
  const actor = field(a.name || a.arn, 128) || 'unknown';
  const description = labelled([
    ['Summary', field(doc.summary, 320)],
    ['Actor', `${actor}${a.type ? ` (${field(a.type, 32)})` : ''}`],
    ['Actor ARN', a.arn && a.arn !== a.name ? field(a.arn, 160) : ''],
    ['Account', accountText(e.account, e.accountName, e.ouPath)],
    ['Region', field(e.region, 32)],
    ['Source IP', field(doc.source.ipAddress, 64)],
    ['Event', `${field(e.name, 64) || 'unknown'}, id ${field(e.id, 96) || 'unknown'}`],
    ['Error', field(e.errorCode, 64)],
    ['Runbook', field(doc.runbook, 400)],
  ]);
  return asff(target, {
    id: findingId(e.account, e.region, doc.id),
    generatorId: doc.ruleId,
    types: findingTypes(doc.mitre),
    time: observedAt([e.time, item.eventTimeMs, doc.generatedAt], nowMs),
    severity: doc.severity,
    title: `${field(doc.title || doc.ruleId, 180)} by ${actor}`,
    description,
    recommendation: {
      Text: field(doc.runbook, LIMITS.recommendation) || 'Review the event in the CloudTrail console.',
      Url: recommendationUrl(doc.reference, doc.console),
    },
    sourceUrl: doc.console,
    productFields: productFields({
      schema: doc.schema,
      alertId: doc.id,
      ruleId: doc.ruleId,
      eventId: e.id,
      eventName: e.name,
      eventSource: e.source,
      eventAccount: e.account,
      eventRegion: e.region,
      accountName: e.accountName,
      ouPath: e.ouPath,
      actorArn: a.arn,
      sourceIp: doc.source.ipAddress,
      mitre: doc.mitre.join(', '),
      dedupKey: doc.dedupKey,
    }),
    resources: [
      accountResource(e.account, e.region, target),
      ...actorResources(
        {
          accessKeyId: a.accessKeyId,
          userArn: a.type === 'IAMUser' ? a.arn : a.sessionIssuerArn,
          roleArn: a.sessionIssuerArn,
        },
        target.partition,
      ),
    ],
  });
}

function digestFinding(
  doc: DigestDocument,
  entry: DigestEntry,
  item: ForwardItem,
  target: ImportTarget,
  nowMs: number,
): AsffFinding {
  const actor = field(entry.actor, 128) || 'unknown';
  const repeats = doc.repeatsOf ? field(doc.repeatsOf.alert, 200) : '';
  const description = labelled([
    ['Summary', field(entry.summary, 320)],
    ['Actor', actor],
    ['Account', accountText(entry.account, '', '')],
    ['Region', field(entry.region, 32)],
    ['Source IP', field(entry.ipAddress, 64)],
    ['Event', `${field(entry.eventName, 64) || 'unknown'}, id ${field(entry.eventId, 96) || 'unknown'}`],
    ['Repeats alert', repeats],
    ['Runbook', `follow the runbook of rule ${field(entry.ruleId, 128) || 'unknown'}`],
  ]);
  return asff(target, {
    id: findingId(entry.account, entry.region, stableId(`${entry.eventId}#${entry.ruleId}`)),
    generatorId: entry.ruleId,
    types: [FALLBACK_TYPE],
    time: observedAt([entry.eventTime, doc.generatedAt, item.eventTimeMs], nowMs),
    severity: entry.severity,
    title: `${field(entry.title || entry.ruleId, 180)} by ${actor}`,
    description,
    recommendation: {
      Text: clip(
        `Review the event in the CloudTrail console and follow the runbook of rule ${field(entry.ruleId, 128) || 'unknown'}.`,
        LIMITS.recommendation,
      ),
      Url: entry.console,
    },
    sourceUrl: entry.console,
    productFields: productFields({
      schema: doc.schema,
      digestId: doc.id,
      ruleId: entry.ruleId,
      eventId: entry.eventId,
      eventName: entry.eventName,
      eventAccount: entry.account,
      eventRegion: entry.region,
      actor: entry.actor,
      sourceIp: entry.ipAddress,
      repeatsOf: doc.repeatsOf?.alert ?? '',
    }),
    resources: [
      accountResource(entry.account, entry.region, target),
      ...actorResources({ userArn: entry.actor, roleArn: entry.actor }, target.partition),
    ],
  });
}

/**
 * The findings for one document: one for an alert; one for each finding a digest (or repeat
 * summary) lists. Throws when the digest lists none: there is nothing to import.
 */
export function asffFindings(
  document: OutputDocument,
  item: ForwardItem,
  target: ImportTarget,
  nowMs: number,
): AsffFinding[] {
  if (document.kind === 'alert') return [alertFinding(document, item, target, nowMs)];
  if (document.findings.length === 0) {
    throw new Error(`the digest lists no findings (${document.findingsOmitted} left out of the document)`);
  }
  return document.findings.map((entry) => digestFinding(document, entry, item, target, nowMs));
}
