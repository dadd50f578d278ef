import { runSoak } from '../../bench/soak-run';

// The short version of `npm run soak`: the same harness, 100 users for 5 s.
it('100 users with churn for 5 s: no lost leave, no ghost', async () => {
  const report = await runSoak({ users: 100, seconds: 5, channels: 10, churnPerSecond: 0.05 });
  expect(report.leavesSent).toBeGreaterThanOrEqual(100 + 5 * 5);
  expect(report.joins).toBe(report.leavesSent);
  expect(report.lostLeaves).toBe(0);
  expect(report.ghosts).toBe(0);
  expect(report.failedHeartbeats).toBe(0);
  expect(report.heartbeatRequests).toBeGreaterThanOrEqual(report.joins);
}, 60_000);
