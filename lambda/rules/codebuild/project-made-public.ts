// UpdateProjectVisibility to PUBLIC_READ: a CodeBuild project's build logs and artifacts become
// readable by anyone, and build logs are where secrets printed by mistake end up.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const severity = (e: TrailEvent): Severity => judgeChange(e, 'high');

export default defineRule({
  id: 'codebuild.project-made-public',
  title: 'CodeBuild project made public',
  description:
    'A principal set a CodeBuild project’s visibility to PUBLIC_READ (UpdateProjectVisibility): high; ' +
    'one step lower when an AWS service made the call, low when it failed. Making a project private is ' +
    'not matched.',
  whyItMatters:
    'A public project exposes its build history, logs and artifacts to anyone with the link; build logs ' +
    'often hold environment variables, tokens and internal host names.',
  runbook:
    'Confirm with the project owner. If it is not expected, set the visibility back to PRIVATE, read the ' +
    'recent build logs for secrets and rotate any you find, and review the principal’s other calls.',
  reference: 'https://docs.aws.amazon.com/codebuild/latest/userguide/public-builds.html',
  mitre: ['TA0010:T1567', 'TA0006:T1552'],
  eventNames: ['UpdateProjectVisibility'],
  eventSources: ['codebuild.amazonaws.com'],
  severity,
  matches: (e) => param(e, 'projectVisibility') === 'PUBLIC_READ',
  explain: (e) =>
    `${actorLabel(e)} made CodeBuild project ${show(param(e, 'projectArn'), 160)} public ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('codebuild.project-made-public', e.recipientAccountId, param(e, 'projectArn')),
});
