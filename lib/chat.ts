// Slack and Microsoft Teams through AWS Chatbot (docs/integrations/chat.md): the chat topic the
// functions publish Chatbot custom notifications to, and a channel configuration per channel.
import { Names, type RemovalPolicy } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type ChatOutputProps, encodedTeamsChannelId } from './outputs-props';

export interface ChatChannelsProps extends ChatOutputProps {
  /** Encrypts the chat topic: the detector's alert key when it has one. @default - a key of its own */
  readonly key?: kms.IKey;
  /** What happens to a key of its own when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The chat topic and the Chatbot channels subscribed to it. A topic of its own, not the alert topic:
 * SNS sends one body per protocol, and the alert topic's body for https (the protocol Chatbot
 * subscribes with) is the `trailwatch.alert/1` document, which Chatbot cannot render; the chat topic
 * carries Chatbot custom notifications only.
 */
export class ChatChannels extends Construct {
  public readonly topic: sns.Topic;
  /** The chat topic's key: the alert key, or a key of its own. */
  public readonly key: kms.IKey;
  /**
   * The channel role, shared by the channels. It has no permissions: custom notifications need
   * none (AWS's notifications-only template adds CloudWatch reads, which only the rendering of
   * CloudWatch alarm notifications uses).
   */
  public readonly role: iam.Role;
  /** The guardrail of both channels: what channel members may run through Chatbot at most. */
  public readonly guardrailPolicies: readonly iam.IManagedPolicy[];
  public readonly slack?: chatbot.SlackChannelConfiguration;
  public readonly teams?: chatbot.CfnMicrosoftTeamsChannelConfiguration;

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    this.key =
      props.key ??
      new kms.Key(this, 'Key', {
        description: 'trailwatch: encrypts the chat topic',
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
      });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'trailwatch chat',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.role = new iam.Role(this, 'ChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'trailwatch chat channels (AWS Chatbot): notifications only, no permissions',
    });
    this.guardrailPolicies = props.guardrailPolicies ?? [
      // Channel members can do at most what both the guardrail and their role allow: nothing here,
      // whatever the channel role (or, with user roles, a member's own role) grants later.
      new iam.ManagedPolicy(this, 'Guardrail', {
        description: 'trailwatch chat channels: notifications only; channel members may run no action',
        statements: [
          new iam.PolicyStatement({
            sid: 'NotificationsOnly',
            effect: iam.Effect.DENY,
            actions: ['*'],
            resources: ['*'],
          }),
        ],
      }),
    ];
    const name = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });
    const slack = props.slack;
    if (slack) {
      this.slack = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `${name}-slack`,
        slackWorkspaceId: slack.workspaceId,
        slackChannelId: slack.channelId,
        notificationTopics: [this.topic],
        role: this.role,
        guardrailPolicies: [...this.guardrailPolicies],
        // Delivery failures only: INFO would copy every alert into the log group as well.
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }
    const teams = props.teams;
    if (teams) {
      this.teams = new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        configurationName: `${name}-teams`,
        teamsTenantId: teams.tenantId,
        teamId: teams.teamId,
        teamsChannelId: encodedTeamsChannelId(teams.channelId),
        iamRoleArn: this.role.roleArn,
        snsTopicArns: [this.topic.topicArn],
        guardrailPolicies: this.guardrailPolicies.map((policy) => policy.managedPolicyArn),
        loggingLevel: 'ERROR',
      });
    }
  }
}
