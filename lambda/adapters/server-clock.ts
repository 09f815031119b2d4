// The service's notion of now, read from the `Date` header of AWS answers. A laptop whose clock
// runs ahead would otherwise carry a shared cursor past what Event history has shown yet.
import type { DeserializeMiddleware, MiddlewareStack } from '@smithy/types';

/** The offset of AWS's clock from the local one, as last measured (server minus local). */
export class ServerClock {
  private measuredOffsetMs: number | undefined;

  constructor(private readonly localNowMs: () => number) {}

  /** Measures every answer `client` receives from now on. */
  // biome-ignore lint/suspicious/noExplicitAny: any client's middleware stack will do.
  watch(client: { middlewareStack: MiddlewareStack<any, any> }): void {
    const measure: DeserializeMiddleware<object, object> = (next) => async (args) => {
      const sentMs = this.localNowMs();
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> } | undefined)?.headers;
      const serverMs = Date.parse(headers?.date ?? '');
      if (Number.isFinite(serverMs)) {
        // The header has whole seconds and was written between sending and receiving: take the
        // middle of the round trip, and the middle of the header's second.
        const localMs = (sentMs + this.localNowMs()) / 2;
        this.measuredOffsetMs = serverMs + 500 - localMs;
      }
      return result;
    };
    client.middlewareStack.add(measure, {
      step: 'deserialize',
      name: 'trailwatchServerClock',
      override: true,
    });
  }

  /** Server minus local clock, in ms; undefined until an answer with a `Date` header was seen. */
  offsetMs(): number | undefined {
    return this.measuredOffsetMs;
  }
}
