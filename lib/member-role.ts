// What organization mode deploys beyond this stack: the member role's template (the StackSet puts
// it in every target account), and the work queue's timings.
import { Duration } from 'aws-cdk-lib';

/**
 * The work queue's visibility timeout is the worker's timeout plus this. Lambda requires at least the
 * function timeout; its advice of six times the timeout makes room for retries after throttling,
 * which the event source's maximum concurrency already avoids, and a retry minutes later is worth
 * little since the next run's work item supersedes it. Six times 280 s would also let a failing item
 * (three receives, 84 minutes) outlive the queue's one-hour retention and never reach the dead-letter
 * queue or its alarm; at timeout + 30 s three receives take at most 3 x 930 s = 46.5 minutes.
 */
export const WORK_VISIBILITY_MARGIN_SECONDS = 30;
/** Receives of a work item before it goes to the work dead-letter queue. */
export const WORK_MAX_RECEIVE_COUNT = 3;
/** A work item is superseded by the next run's for the same account: an hour is ample. */
export const WORK_RETENTION = Duration.hours(1);

/** The member role's CloudFormation template, deployed by the StackSet into every target account. */
export function memberRoleTemplate(memberRoleName: string, organizationId: string): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      "trailwatch: a read-only role that lets the security account's trailwatch worker read this account's CloudTrail Event history",
    Parameters: {
      WorkerRoleArn: {
        Type: 'String',
        Description:
          "The ARN of the trailwatch worker's role in the security account, the only principal trusted",
        AllowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$',
      },
    },
    Resources: {
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: memberRoleName,
          Description: 'trailwatch: cloudtrail:LookupEvents for the security account worker, nothing else',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'TrailwatchWorkerOfThisOrganization',
                Effect: 'Allow',
                Principal: { AWS: { Ref: 'WorkerRoleArn' } },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'ReadEventHistory',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'LookupEvents',
                    Effect: 'Allow',
                    // LookupEvents has no resource-level permissions: AWS requires Resource "*".
                    Action: 'cloudtrail:LookupEvents',
                    Resource: '*',
                  },
                ],
              },
            },
          ],
        },
      },
    },
    Outputs: {
      RoleArn: { Value: { 'Fn::GetAtt': ['MemberRole', 'Arn'] } },
    },
  };
}
