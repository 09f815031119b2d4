// The sample messages in docs/integrations are what the outputs' code renders today.
import { readFileSync } from 'node:fs';
import { SAMPLE_PAGES, samples, withSample } from '../../tools/integration-samples';

describe('the sample messages of the integration pages', () => {
  it.each(Object.entries(samples()))('%s is fresh (npm run docs rewrites it)', (name, sample) => {
    const page = readFileSync(SAMPLE_PAGES[name as keyof typeof SAMPLE_PAGES], 'utf8');
    expect(withSample(page, name, sample)).toBe(page);
  });
});
