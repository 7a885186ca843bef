// Unit specs run on a 2-core machine beside the stack's tiers (`./dev test`, CI): under that load a
// hook that generates keys and certificates took more than jest's default 5 s (CI rehearsal,
// signed-proposals.spec.ts, load average 7). No unit spec waits on a timer that long, so 30 s only
// catches a hang. Beside the e2e tier the unit tier runs niced and takes only what CPU the e2e files
// leave, so `./dev test` gives it a longer limit there (DATAWELL_UNIT_TEST_TIMEOUT_MS). (testTimeout
// is not honoured per project.)
const asked = Number(process.env['DATAWELL_UNIT_TEST_TIMEOUT_MS']);
jest.setTimeout(Number.isInteger(asked) && asked > 0 ? asked : 30000);
