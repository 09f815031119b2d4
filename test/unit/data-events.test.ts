// Detections of data events run in `trailwatch scan` only: Event history never returns data events.
import { composeScorers, DETECTION_IDS, DETECTIONS } from '../../lambda/compose';

const dataDetections = DETECTIONS.filter((d) => d.dataEvents === true).map((d) => d.id);

describe('detections of data events', () => {
  it('exist, and may be named by suppressions like any detection', () => {
    expect(dataDetections).toEqual(
      expect.arrayContaining(['s3.object-encrypted-with-customer-key', 's3.bulk-object-deletions']),
    );
    expect(DETECTION_IDS).toEqual(expect.arrayContaining(dataDetections));
  });

  it('are left out of the scheduled detector, and run by scan', () => {
    const ids = (s: ReturnType<typeof composeScorers>) => [
      ...s.engine.rules.map((r) => r.id),
      ...(s.thresholds?.rules ?? []).map((r) => r.id),
    ];
    const deployed = ids(composeScorers());
    const scanned = ids(composeScorers({ dataEvents: true }));
    for (const id of dataDetections) {
      expect(deployed).not.toContain(id);
      expect(scanned).toContain(id);
    }
    expect(scanned.length - deployed.length).toBe(dataDetections.length);
  });
});
