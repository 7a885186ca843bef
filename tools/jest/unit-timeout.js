// Unit specs run beside the integration tier (`./dev test`, CI) on a 2-core machine: under that load
// a hook that generates keys and certificates took more than jest's default 5 s (CI rehearsal,
// signed-proposals.spec.ts, load average 7). No unit spec waits on a timer that long, so 30 s only
// catches a hang. (testTimeout is not honoured per project.)
jest.setTimeout(30000);
