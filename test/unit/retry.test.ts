import { UnmeteredRetryStrategy } from '../../lambda/adapters/retry';

const throttled = { errorType: 'THROTTLING' as const };

describe('UnmeteredRetryStrategy', () => {
  it('retries a throttled call up to maxAttempts, however many calls were throttled before', async () => {
    const strategy = new UnmeteredRetryStrategy(8, () => 0.5);
    // The SDK's standard strategy refuses retries after about 100 of these (its quota is 500, a retry costs 5).
    for (let call = 0; call < 1_000; call++) {
      let token = await strategy.acquireInitialRetryToken();
      for (let retry = 1; retry < 8; retry++) {
        token = await strategy.refreshRetryTokenForRetry(token, throttled);
        expect(token.getRetryCount()).toBe(retry);
      }
      await expect(strategy.refreshRetryTokenForRetry(token, throttled)).rejects.toThrow('no retry');
    }
  });

  it('backs off exponentially with full jitter, capped at 20 s', async () => {
    const strategy = new UnmeteredRetryStrategy(12, () => 0.999);
    let token = await strategy.acquireInitialRetryToken();
    const delays: number[] = [];
    for (let retry = 1; retry < 12; retry++) {
      token = await strategy.refreshRetryTokenForRetry(token, throttled);
      delays.push(token.getRetryDelay());
    }
    expect(delays.slice(0, 4)).toEqual([499, 999, 1998, 3996]);
    expect(Math.max(...delays)).toBeLessThan(20_000);
    const transient = await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(), {
      errorType: 'TRANSIENT',
    });
    expect(transient.getRetryDelay()).toBe(99);
  });

  it('honours a Retry-After hint and does not retry client errors', async () => {
    const strategy = new UnmeteredRetryStrategy(8, () => 0);
    const first = await strategy.acquireInitialRetryToken();
    const hinted = await strategy.refreshRetryTokenForRetry(first, {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 3_000),
    });
    expect(hinted.getRetryDelay()).toBeGreaterThan(2_000);
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR' })).rejects.toThrow();
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'SERVER_ERROR' })).rejects.toThrow();
  });
});
