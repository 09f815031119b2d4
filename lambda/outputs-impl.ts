// The outputs' adapters, built into a file of their own (`outputs-impl.js` beside the handler's
// `index.js`) and loaded by `outputs.ts` on an output's first send.
import { ChatTopicOutput } from './adapters/outputs/chat-topic';
import { EventBridgeOutput } from './adapters/outputs/eventbridge';
import { SecurityHubOutput } from './adapters/outputs/securityhub';
import type { AlertOutput, OutputName } from './core/ports';

/** The adapter of one output, sending to `target` (a bus name or ARN, a product ARN, a topic ARN). */
export function createOutput(name: OutputName, target: string): AlertOutput {
  switch (name) {
    case 'eventBus':
      return new EventBridgeOutput({ busName: target });
    case 'securityHub':
      return new SecurityHubOutput({ productArn: target });
    case 'chat':
      return new ChatTopicOutput({ topicArn: target });
  }
}
