// RegisterTaskDefinition shaped like an attack: a container that reads the task role's credentials
// from the ECS credentials endpoint, or a public image given the CPU or GPUs of a mining rig.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonObject, Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isAwsItself, isKeyHolderOrRoot, viaAwsService } from '../common/actors';
import { child, objectsOf, req, stringsOf, toInt } from '../common/json';
import { failed } from '../common/outcome';
import { failedSeverity, lower } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const ID = 'ecs.task-definition-suspicious';

/** At most this many containers, command parts and characters are read: hostile input stays cheap. */
const MAX_CONTAINERS = 20;
const MAX_PARTS = 64;
const MAX_CHARS = 4096;

/**
 * The ECS credentials endpoint: the variable ECS sets to the task role's credentials path, and the
 * address that serves it (169.254.170.2). A container's own code gets credentials through the SDK; a
 * command line that names either is fetching them by hand, to use or send them elsewhere.
 */
const CREDENTIALS_ENDPOINT = /AWS_CONTAINER_CREDENTIALS_(?:RELATIVE|FULL)_URI|169\.254\.170\.2/;

/** Registries anyone can push to. An image with no registry host is Docker Hub's. */
const PUBLIC_REGISTRIES = new Set([
  'docker.io',
  'registry-1.docker.io',
  'index.docker.io',
  'ghcr.io',
  'quay.io',
  'public.ecr.aws',
]);

/** At least 8 vCPU (8192 CPU units), the size of Fargate's largest tasks: what a miner asks for. */
const MINING_CPU_UNITS = 8192;

const containers = (e: TrailEvent): JsonObject[] =>
  objectsOf(child(e.requestParameters, 'containerDefinitions')).slice(0, MAX_CONTAINERS);

/** A container's command and entry point, joined and bounded. */
function commandOf(container: JsonObject): string {
  const parts = [...stringsOf(child(container, 'entryPoint')), ...stringsOf(child(container, 'command'))];
  return parts.slice(0, MAX_PARTS).join(' ').slice(0, MAX_CHARS);
}

/** The command lines that read the credentials endpoint. */
const credentialReads = (e: TrailEvent): string[] =>
  containers(e)
    .map(commandOf)
    .filter((command) => CREDENTIALS_ENDPOINT.test(command));

/** The registry host of an image reference; 'docker.io' when it names none (`xmrig`, `user/miner:tag`). */
function registryOf(image: string): string {
  const name = image.trim().toLowerCase();
  const slash = name.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = name.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

const isPublicImage = (image: string): boolean =>
  image.trim() !== '' && PUBLIC_REGISTRIES.has(registryOf(image));

/** CPU units from a number, a numeric string, or the "8 vCPU" form task definitions also accept. */
function cpuUnits(value: unknown): number {
  const units = toInt(value);
  if (units !== undefined) return units;
  const vcpu = /^\s*(\d{1,3}(?:\.\d{1,2})?)\s*vcpu\s*$/i.exec(str(value));
  return vcpu ? Math.round(Number(vcpu[1]) * 1024) : 0;
}

const gpus = (container: JsonObject): boolean =>
  objectsOf(child(container, 'resourceRequirements')).some(
    (r) => str(child(r, 'type')).trim().toUpperCase() === 'GPU',
  );

/** The task asks for mining-sized compute: 8192 CPU units or more, for the task or a container, or GPUs. */
function heavyCompute(e: TrailEvent): string {
  const units = Math.max(
    cpuUnits(child(e.requestParameters, 'cpu')),
    ...containers(e).map((c) => cpuUnits(child(c, 'cpu'))),
  );
  if (containers(e).some(gpus)) return 'GPUs';
  return units >= MINING_CPU_UNITS ? `${units} CPU units` : '';
}

/** The public images of a task definition, when it also asks for mining-sized compute. */
function miningImages(e: TrailEvent): string[] {
  if (heavyCompute(e) === '') return [];
  return containers(e)
    .map((c) => str(child(c, 'image')))
    .filter(isPublicImage);
}

/**
 * Mining-shaped: high, medium for a workload (pipelines deploy GPU jobs on public CUDA images too).
 * Credentials read by hand: medium, high for a long-term key or root. A failed registration is medium
 * when it would have been high, low otherwise; a call an AWS service made for a principal one step lower.
 */
function severity(e: TrailEvent): Severity {
  const mining: Severity =
    miningImages(e).length === 0 ? 'info' : callerKind(e) === 'workload' ? 'medium' : 'high';
  const stealing: Severity =
    credentialReads(e).length === 0 ? 'info' : isKeyHolderOrRoot(e) ? 'high' : 'medium';
  const base: Severity = mining === 'high' || stealing === 'high' ? 'high' : 'medium';
  if (failed(e)) return failedSeverity(base);
  return viaAwsService(e) ? lower(base) : base;
}

/** `family:revision` from the response, else the requested family. */
function taskDefinition(e: TrailEvent): string {
  const registered = child(e.responseElements, 'taskDefinition');
  const family = str(child(registered, 'family')) || req(e, 'family');
  const revision = str(child(registered, 'revision'));
  return revision !== '' ? `${family}:${revision}` : family;
}

function explain(e: TrailEvent): string {
  const findings: string[] = [];
  const images = miningImages(e);
  if (images.length > 0) {
    findings.push(
      `public image(s) ${show(firstFew(images, 2), 160)} asking for ${show(heavyCompute(e), 24)} (the shape of ` +
        'a cryptominer)',
    );
  }
  const reads = credentialReads(e);
  if (reads.length > 0)
    findings.push(`a command that reads the task credentials endpoint: "${show(reads[0], 160)}"`);
  return (
    `${actorLabel(e)} ${failed(e) ? 'tried to register' : 'registered'} ECS task definition ` +
    `${show(taskDefinition(e), 96)} with ${findings.join(', and ')} ${origin(e)}${outcome(e)}.`
  );
}

export default defineRule({
  id: ID,
  title: 'ECS task definition built to steal credentials or mine',
  description:
    'A principal registered an ECS task definition (RegisterTaskDefinition) that either has a container ' +
    'whose command or entry point reads the ECS credentials endpoint by hand ($AWS_CONTAINER_CREDENTIALS_' +
    'RELATIVE_URI or _FULL_URI, or 169.254.170.2): medium, high when the caller is an IAM user’s long-term ' +
    'key or root (the Pacu backdoor-task-definition technique); or takes its image from a public registry ' +
    '(Docker Hub, including bare names such as "xmrig", ghcr.io, quay.io, public.ecr.aws) while asking ' +
    'for 8192 CPU units or more or for GPUs: high, medium for a workload role (pipelines also deploy GPU ' +
    'jobs on public images). A failed registration is medium when the success would be high, low ' +
    'otherwise; one step lower when an AWS service made the call for a principal; calls by AWS itself are ' +
    'not matched. Tasks run with overridden commands are ecs.task-command-overridden.',
  whyItMatters:
    'A container that curls the credentials endpoint hands the task role’s keys to whoever wrote the ' +
    'command, and every task started from the definition does it again. A public image on the largest ' +
    'Fargate size or with GPUs is how stolen credentials are turned into cryptocurrency at the account’s ' +
    'expense.',
  runbook:
    'Read the task definition (DescribeTaskDefinition) and check who uses it (services, scheduled tasks, ' +
    'RunTask calls since the registration). If it is not expected: deregister it, stop its tasks, rotate ' +
    'the caller’s credentials, revoke the task role’s sessions if a task ran, and look for other ' +
    'definitions or services the caller changed.',
  reference: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html',
  mitre: ['TA0006:T1552.005', 'TA0003:T1525', 'TA0040:T1496'],
  eventNames: ['RegisterTaskDefinition'],
  eventSources: ['ecs.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && (credentialReads(e).length > 0 || miningImages(e).length > 0),
  explain,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, req(e, 'family')),
});
