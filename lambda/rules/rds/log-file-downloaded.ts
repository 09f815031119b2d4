// DownloadDBLogFilePortion / DownloadCompleteDBLogFile: a database log read through the RDS API.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const logFile = (e: TrailEvent): string => param(e, 'logFileName');

/** Medium when a long-term key or root reads the log (who is calling); low for roles and the console. */
const severity = (e: TrailEvent): Severity => {
  if (failed(e)) return 'info';
  return isKeyHolderOrRoot(e) ? 'medium' : 'low';
};

export default defineRule({
  id: 'rds.log-file-downloaded',
  title: 'RDS database log file downloaded',
  description:
    'A principal downloaded an RDS database log file, or part of one, through the API ' +
    '(DownloadDBLogFilePortion, DownloadCompleteDBLogFile). Medium when the caller holds an IAM ' +
    'user’s long-term access key (outside the console) or is root, the credentials that leak; low ' +
    'for roles and console sessions, since database administrators read logs routinely; info when ' +
    'it failed. Calls by AWS services are not matched.',
  whyItMatters:
    'Database logs can hold query text with personal data, failed logins with mistyped passwords and ' +
    'audit trails an intruder wants to read before they act; the download is also a way to copy data ' +
    'out without a database connection.',
  runbook:
    'Confirm that the principal administers the database. If not, check which log was read (audit ' +
    'and general logs matter most), rotate any credential the logs may contain, and review the ' +
    'principal’s other RDS calls.',
  reference:
    'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.Downloading.html',
  mitre: ['TA0009:T1005', 'TA0006:T1552'],
  eventNames: ['DownloadDBLogFilePortion', 'DownloadCompleteDBLogFile'],
  eventSources: ['rds.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to download' : 'downloaded'} log ${show(logFile(e), 96)} of ` +
    `RDS database ${show(param(e, 'dBInstanceIdentifier'), 96)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(
      'rds.log-file-downloaded',
      e.recipientAccountId,
      e.actor.arn || e.actor.principalId,
      param(e, 'dBInstanceIdentifier'),
    ),
});
