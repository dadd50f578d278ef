/**
 * `npm run soak`: 1,000 simulated users heartbeating against the emulator for 60 s with joins and
 * leaves (2 % replaced every second). Passes when no leave was lost, no ghost is left, and the
 * heap after GC grew less than 20 %. `--users N --seconds N` change the size.
 */
import { parseArgs } from 'node:util';
import { runSoak } from './soak-run';

const { values } = parseArgs({ options: { users: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '60' } } });

runSoak({ users: Number(values.users), seconds: Number(values.seconds), channels: 50, churnPerSecond: 0.02, log: (line) => console.error(line) })
  .then((report) => {
    console.log(JSON.stringify(report, null, 2));
    const heapGrowth = report.heapEndMiB / report.heapStartMiB;
    const ok = report.lostLeaves === 0 && report.ghosts === 0 && heapGrowth < 1.2;
    console.log(`${ok ? 'PASS' : 'FAIL'}: ${report.lostLeaves} lost leaves, ${report.ghosts} ghosts, heap ${report.heapStartMiB.toFixed(1)} → ${report.heapEndMiB.toFixed(1)} MiB (${heapGrowth.toFixed(2)}×)`);
    process.exitCode = ok ? 0 : 1;
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
