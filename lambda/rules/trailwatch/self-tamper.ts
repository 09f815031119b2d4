// Tampering with trailwatch itself: its schedule, function, table, topic, keys (alert and health),
// dead-letter queue, log group or stack, recognised from the names the stack gives the function
// (RuleContext.ownResources).
import { isObject } from '../../core/event';
import { arnAccount } from '../../core/principal';
import type { OwnResources, RuleContext } from '../../core/rule';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isCloudFormationCall, isServiceCaller } from '../common/actors';
import { boolOf, child, req } from '../common/json';
import { failed } from '../common/outcome';
import { isOwnScheduleRule, logGroupNameOf, requestLogGroup } from '../common/resources';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'trailwatch.self-tamper';

type Kind =
  | 'schedule'
  | 'function'
  | 'table'
  | 'topic'
  | 'chatTopic'
  | 'key'
  | 'healthKey'
  | 'queue'
  | 'workQueue'
  | 'logGroup'
  | 'stack'
  | 'stackSet'
  | 'memberRole';

/** Per event source: the resource kind and, per event name, the severity of a deliberate manual call. */
interface SourceSpec {
  readonly kind: Kind;
  readonly events: Readonly<Record<string, Severity>>;
}

const C: Severity = 'critical';
const H: Severity = 'high';

/** Lambda records carry API-version suffixes; older records and some tools show the bare names too. */
const LAMBDA_EVENTS: Record<string, Severity> = {
  UpdateFunctionCode20150331v2: C,
  UpdateFunctionCode20150331: C,
  UpdateFunctionCode: C,
  UpdateFunctionConfiguration20150331v2: C,
  UpdateFunctionConfiguration20150331: C,
  UpdateFunctionConfiguration: C,
  DeleteFunction20150331: C,
  DeleteFunction: C,
  AddPermission20150331v2: C,
  AddPermission20150331: C,
  AddPermission: C,
  RemovePermission20150331v2: C,
  RemovePermission20150331: C,
  RemovePermission: C,
  PutFunctionConcurrency20171031: C,
  DeleteFunctionConcurrency20171031: H,
  PutFunctionEventInvokeConfig: C,
  UpdateFunctionEventInvokeConfig: C,
  DeleteFunctionEventInvokeConfig: C,
  CreateFunctionUrlConfig20211031: C,
  CreateFunctionUrlConfig: C,
  UpdateFunctionUrlConfig20211031: C,
  UpdateFunctionUrlConfig: C,
};

const SOURCES: Readonly<Record<string, SourceSpec>> = {
  'events.amazonaws.com': {
    kind: 'schedule',
    events: { DisableRule: C, DeleteRule: C, PutRule: C, RemoveTargets: C, PutTargets: C },
  },
  'lambda.amazonaws.com': { kind: 'function', events: LAMBDA_EVENTS },
  'dynamodb.amazonaws.com': {
    kind: 'table',
    events: {
      DeleteTable: C,
      UpdateTable: C,
      UpdateTimeToLive: C,
      UpdateContinuousBackups: C,
      PutResourcePolicy: C,
    },
  },
  'sns.amazonaws.com': {
    kind: 'topic',
    events: {
      DeleteTopic: C,
      SetTopicAttributes: C,
      AddPermission: C,
      RemovePermission: C,
      Unsubscribe: C,
      SetSubscriptionAttributes: C,
      PutDataProtectionPolicy: C,
      // A new subscriber may be a new on-call address, or an attacker reading every alert.
      Subscribe: H,
    },
  },
  'kms.amazonaws.com': {
    kind: 'key',
    events: { DisableKey: C, ScheduleKeyDeletion: C, PutKeyPolicy: C, CreateGrant: H, DisableKeyRotation: H },
  },
  'sqs.amazonaws.com': {
    kind: 'queue',
    events: { DeleteQueue: C, PurgeQueue: C, SetQueueAttributes: C, AddPermission: C, RemovePermission: C },
  },
  'logs.amazonaws.com': {
    kind: 'logGroup',
    events: {
      DeleteLogGroup: C,
      DeleteLogStream: C,
      PutRetentionPolicy: C,
      DeleteSubscriptionFilter: C,
      PutSubscriptionFilter: H,
    },
  },
  'cloudformation.amazonaws.com': {
    kind: 'stack',
    // Updating trailwatch's stack is also how it is upgraded: high, and the runbook says so.
    events: {
      DeleteStack: C,
      UpdateStack: H,
      ExecuteChangeSet: H,
      SetStackPolicy: H,
      UpdateTerminationProtection: H,
      // Organization mode: the StackSet of the member role (recognised by its own name below).
      DeleteStackSet: C,
      DeleteStackInstances: C,
      UpdateStackSet: H,
      UpdateStackInstances: H,
    },
  },
  // Organization mode: the member role, in any member account (IAM records land in us-east-1).
  'iam.amazonaws.com': {
    kind: 'memberRole',
    events: {
      DeleteRole: C,
      UpdateAssumeRolePolicy: C,
      PutRolePolicy: C,
      DeleteRolePolicy: C,
      AttachRolePolicy: C,
      DetachRolePolicy: C,
      PutRolePermissionsBoundary: C,
      DeleteRolePermissionsBoundary: H,
      UpdateRole: H,
    },
  },
};

/** A host app's deployments of the stack trailwatch is embedded in (ownResources.stackUpdatesExpected). */
const HOST_DEPLOYMENT_EVENTS = new Set(['UpdateStack', 'ExecuteChangeSet']);

const STACK_SET_EVENTS = new Set([
  'DeleteStackSet',
  'DeleteStackInstances',
  'UpdateStackSet',
  'UpdateStackInstances',
]);

const EVENT_NAMES = [...new Set(Object.values(SOURCES).flatMap((s) => Object.keys(s.events)))];

const LABEL: Record<Kind, string> = {
  schedule: 'EventBridge schedule rule',
  function: 'Lambda function',
  table: 'DynamoDB state table',
  topic: 'SNS alert topic',
  chatTopic: 'SNS chat topic',
  key: 'KMS key',
  healthKey: 'KMS key of the health topic',
  queue: 'dead-letter queue',
  workQueue: 'organization work queue',
  logGroup: 'log group',
  stack: 'CloudFormation stack',
  stackSet: 'StackSet of the member role',
  memberRole: 'member role',
};

/** trailwatch's account, from the ARNs the stack hands over; '' when unknown. */
function ownAccount(own: OwnResources): string {
  return arnAccount(own.topicArn ?? '') || arnAccount(own.keyArn ?? '') || arnAccount(own.healthKeyArn ?? '');
}

/** A reference that names an account other than trailwatch's is somebody else's resource. */
function sameAccount(refAccount: string, own: OwnResources): boolean {
  const mine = ownAccount(own);
  return refAccount === '' || mine === '' || refAccount === mine;
}

/** A function name from a name, `name:qualifier`, a partial ARN or a full (qualified) function ARN. */
function functionNameOf(ref: string): string {
  const marker = 'function:';
  const at = ref.indexOf(marker);
  const rest = at >= 0 ? ref.slice(at + marker.length) : ref;
  return rest.split(':')[0] ?? '';
}

function functionAccountOf(ref: string): string {
  const m = /^(?:arn:[^:]*:lambda:[^:]*:)?(\d{12}):function:/.exec(ref);
  return m?.[1] ?? '';
}

/** A resource name from `arn:...:<type>/<name>[/...]`, or the reference itself when it is no ARN. */
function slashArnName(ref: string, type: string): [string, string] {
  if (!ref.startsWith('arn:')) return [ref, ''];
  const marker = `:${type}/`;
  const at = ref.indexOf(marker);
  if (at < 0) return ['', ''];
  return [ref.slice(at + marker.length).split('/')[0] ?? '', arnAccount(ref)];
}

/** A KMS key id from a key id or key ARN; '' for aliases (they cannot be resolved from the event alone). */
function keyIdOf(ref: string): string {
  if (ref.startsWith('arn:')) {
    const at = ref.indexOf(':key/');
    return at < 0 ? '' : ref.slice(at + ':key/'.length);
  }
  return ref.startsWith('alias/') ? '' : ref;
}

/** Key references in the request and in the record's `resources` list (KMS lists the resolved key ARN there). */
function keyRefs(e: TrailEvent): string[] {
  const refs = [req(e, 'keyId', 'KeyId')];
  const resources = e.raw.resources;
  if (Array.isArray(resources)) {
    for (const r of resources.slice(0, 20))
      if (isObject(r)) refs.push(typeof r.ARN === 'string' ? r.ARN : '');
  }
  return refs.filter((r) => r !== '');
}

/** Queue name and account from an SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
function queueOf(url: string): [string, string] {
  const parts = url
    .replace(/^[a-z]+:\/\/[^/]*/i, '')
    .split('/')
    .filter((p) => p !== '');
  const name = parts[parts.length - 1] ?? '';
  const account =
    parts.length >= 2 && /^\d{12}$/.test(parts[parts.length - 2] ?? '')
      ? (parts[parts.length - 2] ?? '')
      : '';
  return [name, account];
}

/** The trailwatch resource the event acts on, or undefined when it acts on anything else. */
function ownTarget(e: TrailEvent, context: RuleContext): { kind: Kind; name: string } | undefined {
  const spec = SOURCES[e.eventSource];
  if (!spec || !(e.eventName in spec.events)) return undefined;
  const own = context.ownResources ?? {};
  const hit = (name: string | undefined): { kind: Kind; name: string } | undefined =>
    name ? { kind: spec.kind, name } : undefined;
  switch (spec.kind) {
    case 'schedule':
      return isOwnScheduleRule(e, own.scheduleRuleName) ? hit(own.scheduleRuleName) : undefined;
    case 'function': {
      const ref = req(e, 'functionName', 'FunctionName');
      if (ref === '' || !sameAccount(functionAccountOf(ref), own)) return undefined;
      // The detector's function, and in organization mode the dispatcher and the worker.
      const mine = [own.functionName, ...(own.orgFunctionNames ?? [])].find(
        (name) => name !== undefined && name !== '' && functionNameOf(ref) === functionNameOf(name),
      );
      return hit(mine);
    }
    case 'table': {
      if (!own.tableName) return undefined;
      const [name, account] = slashArnName(req(e, 'tableName', 'TableName', 'resourceArn'), 'table');
      return name === own.tableName && sameAccount(account, own) ? hit(own.tableName) : undefined;
    }
    case 'topic': {
      // The alert topic, and the chat topic when chat is on: cutting either silences alerts.
      const ref = req(e, 'topicArn', 'TopicArn', 'resourceArn');
      const subscription = req(e, 'subscriptionArn', 'SubscriptionArn');
      const isRef = (topic: string | undefined): topic is string =>
        topic !== undefined && topic !== '' && (ref === topic || subscription.startsWith(`${topic}:`));
      if (isRef(own.topicArn)) return hit(own.topicArn);
      return isRef(own.chatTopicArn) ? { kind: 'chatTopic', name: own.chatTopicArn } : undefined;
    }
    case 'key': {
      // Two keys of its own: the alert topic's and the health topic's, recognised alike.
      const refs = keyRefs(e);
      const isRef = (arn: string | undefined): arn is string => {
        const mine = keyIdOf(arn ?? '');
        return mine !== '' && refs.some((ref) => keyIdOf(ref) === mine && sameAccount(arnAccount(ref), own));
      };
      if (isRef(own.keyArn)) return hit(own.keyArn);
      if (isRef(own.healthKeyArn)) return { kind: 'healthKey', name: own.healthKeyArn };
      return undefined;
    }
    case 'queue': {
      const [name, account] = queueOf(req(e, 'queueUrl', 'QueueUrl'));
      if (name === '' || !sameAccount(account, own)) return undefined;
      if (name === own.queueName) return hit(own.queueName);
      return name === own.workQueueName ? { kind: 'workQueue', name } : undefined;
    }
    case 'logGroup': {
      const mine = logGroupNameOf(own.logGroupName ?? '');
      return mine !== '' && requestLogGroup(e) === mine ? hit(own.logGroupName) : undefined;
    }
    case 'stack': {
      if (STACK_SET_EVENTS.has(e.eventName)) {
        // Named, or `name:id` as the API also accepts it.
        const ref = req(e, 'stackSetName', 'StackSetName').split(':')[0] ?? '';
        return own.stackSetName && ref === own.stackSetName ? { kind: 'stackSet', name: ref } : undefined;
      }
      if (!own.stackName) return undefined;
      const [name, account] = slashArnName(req(e, 'stackName', 'StackName'), 'stack');
      if (name !== own.stackName || !sameAccount(account, own)) return undefined;
      if (own.stackUpdatesExpected && HOST_DEPLOYMENT_EVENTS.has(e.eventName)) return undefined;
      // Turning termination protection on protects the stack: nothing to report.
      if (e.eventName === 'UpdateTerminationProtection') {
        if (boolOf(child(e.requestParameters, 'enableTerminationProtection')) !== false) return undefined;
      }
      return hit(own.stackName);
    }
    case 'memberRole': {
      // In any member account: the role exists only for trailwatch, under the same name everywhere.
      const name = req(e, 'roleName', 'RoleName');
      return own.memberRoleName && name === own.memberRoleName
        ? hit(`${e.recipientAccountId}:role/${name}`)
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Grants are created by the services that use the key on trailwatch's behalf; those are expected. */
function expectedServiceGrant(e: TrailEvent): boolean {
  return e.eventName === 'CreateGrant' && isServiceCaller(e);
}

function severity(e: TrailEvent): Severity {
  const base = SOURCES[e.eventSource]?.events[e.eventName];
  if (!base || failed(e) || isCloudFormationCall(e) || isServiceCaller(e)) return 'high';
  return base;
}

export default defineRule({
  id: ID,
  title: 'trailwatch itself tampered with',
  description:
    "Any change to trailwatch's own resources, recognised by exact name or ARN from the names its stack " +
    'gives the function: its EventBridge schedule rule (DisableRule, DeleteRule, PutRule, RemoveTargets, ' +
    'PutTargets), its Lambda function (UpdateFunctionCode/Configuration, DeleteFunction, Add/RemovePermission, ' +
    'concurrency, event-invoke and URL configs; names, qualified ARNs and partial ARNs), its DynamoDB table, ' +
    'its SNS topics (the alert topic, and the chat topic when chat is on) and subscriptions, its two KMS keys (the alert key and the health topic key, each by key id ' +
    "or ARN, or the key in the record's resources), its dead-letter queue, its log group and its " +
    'CloudFormation stack. Critical, except: UpdateStack, ' +
    'ExecuteChangeSet, SetStackPolicy and turning termination protection off (high: also the upgrade path), ' +
    'Subscribe to the topic, CreateGrant and DisableKeyRotation on either key, PutSubscriptionFilter on the ' +
    'log group and DeleteFunctionConcurrency (high). Failed attempts are high (someone tried). Calls made by ' +
    'CloudFormation during a stack operation (invokedBy or source cloudformation.amazonaws.com) are expected ' +
    'during a deployment and rated high, not critical; other AWS-service calls are high too, and grants ' +
    'created by AWS services on either key are not reported. Resources whose name is not known to the function ' +
    "(an absent ownResources field), KMS aliases and the stack's health topic itself are not covered. " +
    "Embedded in a host app's stack (the construct in your own CDK app), UpdateStack and " +
    "ExecuteChangeSet on that stack are the app's deployments and are not reported; its deletion, stack " +
    "policy and termination protection still are, and so is every change to trailwatch's own resources. " +
    'In organization mode also: the dispatcher and worker functions, the work queue, the StackSet of the ' +
    'member role (DeleteStackSet and DeleteStackInstances critical, UpdateStackSet and UpdateStackInstances ' +
    'high) and the member role itself in any member account (DeleteRole, UpdateAssumeRolePolicy, role ' +
    'policies and permissions boundary critical; UpdateRole and removing the boundary high): a member ' +
    'account deleting or editing the role blinds trailwatch to it.',
  whyItMatters:
    'An attacker who disables, rewrites or mutes the detector turns every other rule off at once: changing ' +
    'its code, stopping its schedule, deleting its state or cutting the alert topic is the first thing to ' +
    'do before anything that would be detected.',
  runbook:
    "Treat as an incident unless a trailwatch deployment was running at that time (check the stack's " +
    'events and the deploy pipeline: a CloudFormation update or change set from the deploy role, and the ' +
    'high-rated calls CloudFormation makes during it, are expected). Otherwise: redeploy trailwatch from ' +
    'source (cdk deploy) to restore function code, schedule, topic subscriptions and key state; cancel a ' +
    'pending key deletion (CancelKeyDeletion) and re-enable the key (a disabled health key silences the ' +
    'health alarms, a disabled alert key the alerts); remove unknown topic subscriptions; ' +
    "disable the caller's credentials; and review Event history directly for the caller's actions, since " +
    'trailwatch may have missed events while it was impaired. For the member role or its StackSet ' +
    '(organization mode): redeploy the StackSet instance for that account (or cdk deploy for the StackSet), ' +
    "and treat the member account's own actions around that time as unseen until trailwatch reads it again.",
  reference: 'https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html',
  mitre: ['TA0005:T1562.001', 'TA0040:T1485'],
  eventNames: EVENT_NAMES,
  // On trailwatch's own key or function these general rules would page a second time.
  supersedes: [
    'kms.key-disabled-or-scheduled-for-deletion',
    'iam.policy-changed',
    'iam.role-trust-changed',
    'kms.key-policy-changed',
    'lambda.code-or-layers-changed',
    'lambda.function-deleted',
    'lambda.function-made-public',
    'lambda.function-url-public',
    'resource-policy.made-public',
    'sns.subscription-added',
    'sqs.queue-purged',
  ],
  eventSources: Object.keys(SOURCES),
  severity,
  matches: (e, context) => ownTarget(e, context) !== undefined && !expectedServiceGrant(e),
  explain: (e, context) => {
    const target = ownTarget(e, context);
    const what = target
      ? `trailwatch's own ${LABEL[target.kind]} ${show(target.name, 160)}`
      : 'a trailwatch resource';
    const cfn = isCloudFormationCall(e)
      ? ', made by CloudFormation during a stack operation (expected during a trailwatch deployment)'
      : isServiceCaller(e)
        ? ', made by an AWS service'
        : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to call' : 'called'} ${show(e.eventName, 48)} on ${what}${cfn} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e, context) => {
    const target = ownTarget(e, context);
    return dedup(ID, e.recipientAccountId, e.awsRegion, target?.kind ?? '', target?.name ?? '', e.eventName);
  },
});
