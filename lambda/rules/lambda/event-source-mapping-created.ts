// CreateEventSourceMapping: a function set to read a queue, stream or table's changes as they come.
import { arnAccount } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { path, req } from '../common/json';
import { lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'lambda.event-source-mapping-created';

const source = (e: TrailEvent): string =>
  req(e, 'eventSourceArn') || path(e.responseElements, 'eventSourceArn');

/** The source's service, from its ARN (`arn:aws:sqs:...` -> sqs); Kafka and MQ brokers have their own. */
const sourceService = (e: TrailEvent): string => source(e).split(':')[2] ?? '';

export default defineRule({
  id: ID,
  title: 'Lambda event source mapping created',
  description:
    'A principal connected a Lambda function to an event source (CreateEventSourceMapping, recorded as ' +
    'CreateEventSourceMapping20150331): from then on the function receives every message of an SQS queue, ' +
    'every record of a Kinesis or DynamoDB stream, or of a Kafka or MQ broker. Low: this is how event-' +
    'driven applications are wired, and the record is what an investigation needs; info when the call ' +
    'failed or an AWS service made it for a principal (CloudFormation). Calls by AWS itself are not ' +
    'matched.',
  whyItMatters:
    'A mapping makes a function run on every new record of the source: an intruder who controls the ' +
    'function gets a copy of the data as it flows, or a trigger that runs their code whenever the ' +
    'application writes, without any further call.',
  runbook:
    'Check the mapping (GetEventSourceMapping with the UUID in the alert) against the infrastructure ' +
    'code. If it is not expected, delete it, review the function’s code and role, and what it did with ' +
    'the records it received.',
  reference: 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html',
  mitre: ['TA0003:T1546', 'TA0009:T1530'],
  eventNames: lambdaEventNames('functions', 'CreateEventSourceMapping'),
  eventSources: ['lambda.amazonaws.com'],
  severity: (e) => lowerFor('low', failed(e) || viaAwsService(e)),
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const account = arnAccount(source(e));
    const owner =
      account !== '' && account !== e.recipientAccountId ? ` of account ${show(account, 16)}` : '';
    const kind = sourceService(e) !== '' ? `${show(sourceService(e), 24)} source` : 'source';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to connect' : 'connected'} Lambda function ` +
      `${show(req(e, 'functionName'), 120)} to ${kind} ${show(source(e), 160, 'unnamed')}${owner} ` +
      `(mapping ${show(path(e.responseElements, 'uUID') || path(e.responseElements, 'UUID'), 40, 'not created')}) ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, req(e, 'functionName'), source(e)),
});
