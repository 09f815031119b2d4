// The rule context every rule test runs with: trailwatch's own resources under fixed names,
// so fixtures of the self-tamper rules can name them.
import type { RuleContext } from '../../lambda/core/rule';

export const TEST_CONTEXT: RuleContext = Object.freeze({
  ownResources: Object.freeze({
    stackName: 'Trailwatch',
    functionName: 'Trailwatch-Detector',
    tableName: 'Trailwatch-State',
    topicArn: 'arn:aws:sns:us-east-1:111122223333:Trailwatch-Alerts',
    chatTopicArn: 'arn:aws:sns:us-east-1:111122223333:Trailwatch-Chat',
    keyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    scheduleRuleName: 'Trailwatch-Schedule',
    queueName: 'Trailwatch-DeadLetters',
    logGroupName: '/aws/lambda/Trailwatch-Detector',
    stackSetName: 'Trailwatch-member-role',
    memberRoleName: 'trailwatch-member-reader',
    workQueueName: 'Trailwatch-org-work',
    orgFunctionNames: ['Trailwatch-org-dispatcher', 'Trailwatch-org-worker'],
  }),
});
