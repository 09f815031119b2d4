// StartSession: Session Manager opens an interactive shell (or a port forward) on an instance.
import { defineRule } from '../../core/rule';
import { actorLabel, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

export default defineRule({
  id: 'ssm.session-started',
  title: 'SSM Session Manager session started',
  description:
    'A principal started a Session Manager session to a managed instance (StartSession): a shell, or a ' +
    'port forward when a document such as AWS-StartPortForwardingSession is named. High when the ' +
    'caller is a key holder (an IAM user’s long-term access key, or a session made from it outside ' +
    'the console) or root, medium otherwise; failed calls one step lower. Sessions started by AWS services are not matched.',
  whyItMatters:
    'A session is an interactive shell on the instance with no SSH key and no open port; after a ' +
    'credential theft it is the quickest way onto workloads and their instance roles.',
  runbook:
    'Confirm the session with the caller. If it is not expected, end it (TerminateSession), review the ' +
    'session log if logging is on, isolate the instance, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html',
  mitre: ['TA0002:T1651', 'TA0008:T1021.007'],
  eventNames: ['StartSession'],
  eventSources: ['ssm.amazonaws.com'],
  severity: (e) => byOutcome(e, isKeyHolderOrRoot(e) ? 'high' : 'medium'),
  matches: (e) => !isServiceCaller(e),
  explain: (e) => {
    const document = param(e, 'documentName');
    const via = document ? ` using ${show(document, 80)}` : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to start' : 'started'} a session to ` +
      `${show(param(e, 'target'), 60)}${via} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('ssm.session-started', e.recipientAccountId, e.actor.arn || e.actor.userName, param(e, 'target')),
});
