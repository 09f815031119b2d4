// The outputs besides SNS that the configuration turns on. Their adapters and SDK clients live in a
// file of their own, loaded on an output's first send: bundled into the handler, even behind a lazy
// import, they made every cold start parse 338 KB more and load 16% slower, option on or off.
import { join } from 'node:path';
import type { OutputsConfig } from './config';
import {
  type AlertOutput,
  type ForwardItem,
  type ForwardResult,
  OUTPUT_BATCH_SIZES,
  type OutputName,
} from './core/ports';

/** The module of the adapters: `outputs-impl.ts` here, `outputs-impl.js` beside the bundle. */
export const OUTPUTS_MODULE = 'outputs-impl';

type OutputsModule = typeof import('./outputs-impl');

/** A path esbuild cannot follow, so that the module stays out of the handler's bundle. */
function loadModule(): OutputsModule {
  return require(join(__dirname, OUTPUTS_MODULE)) as OutputsModule;
}

/** An output whose adapter is loaded on its first send. */
class DeferredOutput implements AlertOutput {
  readonly batchSize: number;
  private adapter: AlertOutput | undefined;

  constructor(
    readonly name: OutputName,
    private readonly target: string,
    private readonly load: () => OutputsModule,
  ) {
    this.batchSize = OUTPUT_BATCH_SIZES[name];
  }

  send(items: readonly ForwardItem[]): Promise<ForwardResult[]> {
    this.adapter ??= this.load().createOutput(this.name, this.target);
    return this.adapter.send(items);
  }
}

export function createOutputs(config: OutputsConfig, load: () => OutputsModule = loadModule): AlertOutput[] {
  const targets: Array<[OutputName, string | undefined]> = [
    ['eventBus', config.eventBus],
    ['securityHub', config.securityHubProductArn],
    ['chat', config.chatTopicArn],
  ];
  return targets.flatMap(([name, target]) => (target ? [new DeferredOutput(name, target, load)] : []));
}
