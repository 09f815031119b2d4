// A SageMaker notebook lifecycle configuration created or changed: a shell script that runs as root
// on the notebook instance at every start (OnStart) or once at creation (OnCreate). The scripts
// arrive base64-encoded in the request; they are decoded here, within bounds, and read for what a
// backdoor does.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, isKeyHolderOrRoot, viaAwsService } from '../common/actors';
import { child, objectsOf, req } from '../common/json';
import { failed } from '../common/outcome';
import { failedSeverity, lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'sagemaker.lifecycle-script-suspicious';

/** SageMaker caps a script at 16384 base64 characters and allows one per hook; more is not read. */
const MAX_ENCODED_CHARS = 16_384;
const MAX_HOOKS = 2;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/**
 * What a backdoor script does, by kind. Read in the decoded, lower-cased script; a script that is
 * obfuscated beyond base64 passes, and a legitimate one that mentions these is worth a look anyway.
 */
const SIGNS: readonly (readonly [string, RegExp])[] = [
  [
    'a reverse shell',
    /\/dev\/(?:tcp|udp)\/|\bbash\s+-i\b|\b(?:nc|ncat|netcat)\b[^\n]*\s-[a-z]*[ec]\b|\bsocat\b[^\n]*exec|mkfifo|pty\.spawn|socket\.socket\(/,
  ],
  [
    'the instance metadata service',
    /169\.254\.169\.254|fd00:ec2::254|\/latest\/meta-data\/|\/latest\/api\/token/,
  ],
  ['a download piped to a shell', /\b(?:curl|wget)\b[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b/],
  ['a crypto miner', /xmrig|minerd|cpuminer|stratum\+(?:tcp|ssl)|nicehash/],
  ['a cron job', /\bcrontab\b|\/etc\/cron/],
  ['an SSH authorized_keys edit', /authorized_keys/],
];

/** The decoded scripts of the OnStart and OnCreate hooks; '' for a hook that is not valid base64. */
function scripts(e: TrailEvent): string[] {
  const hooks = ['onStart', 'onCreate'].flatMap((name) =>
    objectsOf(child(e.requestParameters, name)).slice(0, MAX_HOOKS),
  );
  return hooks.map((hook) => {
    const encoded = str(child(hook, 'content')).slice(0, MAX_ENCODED_CHARS);
    if (encoded === '' || !BASE64.test(encoded)) return '';
    try {
      return Buffer.from(encoded, 'base64').toString('utf8').toLowerCase();
    } catch {
      return '';
    }
  });
}

/** The kinds of backdoor behaviour found in the scripts, each once. */
function signs(e: TrailEvent): string[] {
  const all = scripts(e);
  return SIGNS.filter(([, pattern]) => all.some((script) => pattern.test(script))).map(([kind]) => kind);
}

/**
 * High when a script shows backdoor behaviour, for whoever wrote it. Otherwise a change is medium
 * by a long-term key or root, low by anyone else: data scientists and pipelines manage these
 * scripts. One step lower when an AWS service made the call; a refused attempt at something high is
 * medium, anything milder low.
 */
function severity(e: TrailEvent): Severity {
  const base: Severity = signs(e).length > 0 ? 'high' : isKeyHolderOrRoot(e) ? 'medium' : 'low';
  if (failed(e)) return failedSeverity(base);
  return viaAwsService(e) ? lower(base) : base;
}

const configName = (e: TrailEvent): string => req(e, 'notebookInstanceLifecycleConfigName');

export default defineRule({
  id: ID,
  title: 'SageMaker notebook lifecycle script changed or suspicious',
  description:
    'A principal created or updated a SageMaker notebook instance lifecycle configuration ' +
    '(Create/UpdateNotebookInstanceLifecycleConfig). Its OnStart and OnCreate scripts are ' +
    'base64-decoded (at most 16384 characters each) and read for a reverse shell, the instance ' +
    'metadata address (169.254.169.254), a download piped to a shell, a crypto miner, cron or SSH ' +
    'authorized_keys edits: any of these is high. Any other change is medium by a long-term key or ' +
    'root and low by anyone else. One step lower when an AWS service made the call; a refused attempt ' +
    'is medium when it carried such a script, low otherwise. AWS acting through a service-linked role ' +
    'is not matched. Scripts obfuscated beyond base64 are not recognised.',
  whyItMatters:
    'A lifecycle script runs as root on the notebook instance, with the notebook’s execution role. ' +
    'Planting one is a quiet way to keep a shell on the instance, steal the role’s credentials from ' +
    'the metadata service or mine on the account’s bill, every time the notebook starts.',
  runbook:
    'Decode the script in the alert’s event (onStart/onCreate content) and read it. If it is not ' +
    'expected, detach the configuration from its notebook instances, delete it, stop the instances ' +
    'that ran it, revoke the execution role’s sessions, and review what the role did since.',
  reference: 'https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-lifecycle-config.html',
  mitre: ['TA0003:T1546', 'TA0002:T1059.004', 'TA0006:T1552.005'],
  eventNames: ['CreateNotebookInstanceLifecycleConfig', 'UpdateNotebookInstanceLifecycleConfig'],
  eventSources: ['sagemaker.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const found = signs(e);
    const did = e.eventName.startsWith('Create') ? 'created' : 'changed';
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${did === 'created' ? 'create' : 'change'}` : did} ` +
      `notebook lifecycle configuration ${show(configName(e), 80)}` +
      `${found.length === 0 ? '' : ` with a script that uses ${found.join(', ')}`} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, configName(e)),
});
