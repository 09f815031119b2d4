// ECS RunTask and StartTask with the container command or environment replaced at launch: the
// task definition's image runs whatever the caller says, under the task's role.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonValue, Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { child, objectsOf, req, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { failedSeverity, lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'ecs.task-command-overridden';

/** At most this many command parts are read: a hostile request cannot make the check slow. */
const MAX_PARTS = 64;
const MAX_CHARS = 4096;

/**
 * What an attacker's one-off command looks like, and a deployment's rarely does: downloading
 * (curl, wget), decoding a payload (base64 -d), a reverse shell (/dev/tcp/, nc, ncat, netcat,
 * socat), or piping text into a shell. A plain `sh -c "..."` is not on the list: it is how most
 * migrations and scheduled jobs are written.
 */
const SUSPICIOUS =
  /\b(?:curl|wget)\b|\bbase64\b[^|;&]*\s(?:-d|--decode)\b|\/dev\/tcp\/|\b(?:nc|ncat|netcat|socat)\b|\|\s*(?:ba|da|z)?sh\b/;

/** The parts of one or more command overrides, joined by spaces and bounded. */
export function commandText(commands: readonly JsonValue[]): string {
  const parts = commands.flatMap((command) => stringsOf(command)).slice(0, MAX_PARTS);
  return parts.join(' ').slice(0, MAX_CHARS);
}

/** The command downloads, decodes or opens a shell in a way routine jobs do not. */
export function looksMalicious(command: string): boolean {
  return SUSPICIOUS.test(command.toLowerCase());
}

/**
 * Medium for a replaced command or environment, high when the command looks like an attacker's.
 * A refused attempt is medium when it would have been high, low otherwise; one step lower when
 * an AWS service made the call for a principal (EventBridge Scheduler, Step Functions).
 */
export function judgeOverride(e: TrailEvent, suspicious: boolean): Severity {
  const base: Severity = suspicious ? 'high' : 'medium';
  if (failed(e)) return failedSeverity(base);
  return viaAwsService(e) ? lower(base) : base;
}

const containerOverrides = (e: TrailEvent) =>
  objectsOf(child(child(e.requestParameters, 'overrides'), 'containerOverrides'));

const command = (e: TrailEvent): string =>
  commandText(containerOverrides(e).map((c) => child(c, 'command') ?? null));

/** The names (never the values: they may be secrets) of the environment variables set. */
const environmentNames = (e: TrailEvent): string[] =>
  containerOverrides(e).flatMap((c) => objectsOf(child(c, 'environment')).map((v) => str(child(v, 'name'))));

const hasEnvironment = (e: TrailEvent): boolean =>
  containerOverrides(e).some((c) => objectsOf(child(c, 'environment')).length > 0);

const severity = (e: TrailEvent): Severity => judgeOverride(e, looksMalicious(command(e)));

/** The task definition's family and revision, without the ARN prefix. */
const taskDefinition = (e: TrailEvent): string =>
  req(e, 'taskDefinition').replace(/^arn:.*:task-definition\//, '');

export default defineRule({
  id: ID,
  title: 'ECS task started with its command or environment overridden',
  description:
    'A principal ran or started an ECS task (RunTask, StartTask) with a container command or ' +
    'environment variables set in overrides.containerOverrides. Medium; high when the command ' +
    'downloads (curl, wget), decodes a payload (base64 -d), opens a reverse shell (/dev/tcp/, nc, ' +
    'ncat, netcat, socat) or pipes into a shell. A refused attempt is medium when it would have been ' +
    'high, low otherwise; one step lower when an AWS service made the call (EventBridge Scheduler, ' +
    'Step Functions). Tasks that AWS starts itself through a service-linked role (ECS services, AWS ' +
    'Batch) are not matched. The alert shows the command and the names of the variables, never ' +
    'their values.',
  whyItMatters:
    'An override runs the attacker’s command inside a trusted image, on the cluster’s network and ' +
    'with the task role’s permissions, without registering a new task definition: a quiet way to ' +
    'execute code, mine, or steal the task role’s credentials.',
  runbook:
    'Check the task (DescribeTasks on the cluster shows the overrides and who started it) against ' +
    'the team’s scheduled jobs. If it is not expected: stop the task (StopTask), review what the ' +
    'task role can do and what it did (CloudTrail calls from the task role session), rotate the ' +
    'caller’s credentials, and restrict ecs:RunTask with a condition on the task definition.',
  reference: 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html',
  mitre: ['TA0002:T1610', 'TA0002:T1059'],
  eventNames: ['RunTask', 'StartTask'],
  eventSources: ['ecs.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && (command(e) !== '' || hasEnvironment(e)),
  explain: (e) => {
    const cmd = command(e);
    const names = environmentNames(e).filter((n) => n !== '');
    const parts = [
      cmd !== '' ? `command "${show(cmd, 160)}"` : '',
      names.length > 0 ? `environment ${show(names.slice(0, 6).join(', '), 100)}` : '',
    ].filter((p) => p !== '');
    const what = parts.length > 0 ? parts.join(' and ') : 'overridden environment';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to run' : 'ran'} task definition ${show(taskDefinition(e), 96)} ` +
      `on cluster ${show(req(e, 'cluster') || 'default', 96)} with ${what} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId, taskDefinition(e)),
});
