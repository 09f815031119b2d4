// The outputs the configuration turns on, each loading its adapter (and SDK client) on its first
// send only; the batch sizes the drain uses before loading are the adapters' own.

import { OUTPUT_BATCH_SIZES, OUTPUT_NAMES } from '../../lambda/core/ports';
import { createOutputs } from '../../lambda/outputs';
import * as impl from '../../lambda/outputs-impl';

const ALL = {
  eventBus: 'default',
  securityHubProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
  chatTopicArn: 'arn:aws:sns:eu-west-1:111122223333:trailwatch-chat',
  selections: [],
};

describe('the outputs as the handler composes them', () => {
  it('makes none when no output is on, and never loads the adapters', () => {
    const load = jest.fn(() => impl);
    expect(createOutputs({ selections: [] }, load)).toEqual([]);
    expect(load).not.toHaveBeenCalled();
  });

  it('makes one per target, loading the adapters at the first send, once', async () => {
    const sent: string[] = [];
    const load = jest.fn(() => ({
      createOutput: (name: (typeof OUTPUT_NAMES)[number]) => ({
        name,
        batchSize: OUTPUT_BATCH_SIZES[name],
        send: async () => {
          sent.push(name);
          return [{ ok: true as const }];
        },
      }),
    }));
    const outputs = createOutputs(ALL, load);
    expect(outputs.map((o) => [o.name, o.batchSize])).toEqual([
      ['eventBus', 10],
      ['securityHub', 100],
      ['chat', 10],
    ]);
    expect(load).not.toHaveBeenCalled();
    const item = { key: 'e#r', severity: 'critical' as const, eventTimeMs: 0, document: '{}' };
    await outputs[0]!.send([item]);
    await outputs[0]!.send([item]);
    await outputs[2]!.send([item]);
    expect(sent).toEqual(['eventBus', 'eventBus', 'chat']);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('gives each output the batch size of its adapter', () => {
    const targets = {
      eventBus: ALL.eventBus,
      securityHub: ALL.securityHubProductArn,
      chat: ALL.chatTopicArn,
    };
    for (const name of OUTPUT_NAMES) {
      expect(impl.createOutput(name, targets[name]).batchSize).toBe(OUTPUT_BATCH_SIZES[name]);
    }
  });
});
