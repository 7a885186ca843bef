import { expectBadInput, runCli } from './cli-child.spec-helper';

// The real CLI in a child process, as `./dev dao …` runs it: bad input is refused before any bridge is asked.
jest.setTimeout(60_000);

const run = (...args: string[]) => runCli('dao', ...args);

const TERMS = { durationDays: 365, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 30, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [] };

describe('./dev dao: bad input exits 2 with one line, before any bridge is asked', () => {
  test.concurrent.each([
    [['vote', 'acme', '--dao', 'd1', '--version', '1', '--proposal', 'p', '--choice', 'yes'], /<MSPID> must be an MSP id/],
    [['vote', 'AcmeMSP', '--dao', 'D_1', '--version', '1', '--proposal', 'p', '--choice', 'yes'], /--dao must be a DAO id/],
    [['vote', 'AcmeMSP', '--dao', 'd1', '--version', '0', '--proposal', 'p', '--choice', 'yes'], /--version must be a whole number 1-9999/],
    [['vote', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--proposal', 'p', '--choice', 'maybe'], /--choice must be yes or no/],
    [['vote', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--proposal', 'p q', '--choice', 'yes'], /--proposal must be 1-128 letters/],
    [['vote', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--choice', 'yes'], /required option '--proposal <id>'/],
    [['propose', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--kind', 'merge'], /--kind must be one of change-terms, admit-member, change-infrastructure, dissolve/],
    [['propose', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--kind', 'change-terms', '--payload', '{not json'], /--payload must be JSON/],
    [['propose', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--kind', 'change-terms', '--payload', JSON.stringify({ ...TERMS, quorumPpm: 2_000_000 })], /does not fit a change-terms proposal: payload.quorumPpm: must be at most 10\^6 ppm/],
    [['propose', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--kind', 'change-terms', '--payload', '@/nonexistent/terms.json'], /cannot read \/nonexistent\/terms.json: ENOENT/],
    [['exit', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--complete', 'someone'], /--complete must be an MSP id/],
    [['join', 'AcmeMSP', '--dao', 'd1', '--version', '1'], /required option '--proposal <id>'/],
    [['join', 'AcmeMSP', '--dao', 'd1', '--version', '1', '--proposal', 'bad id'], /--proposal must be 1-128 letters/],
    [['join', 'acme', '--dao', 'd1', '--version', '1', '--proposal', 'p'], /<MSPID> must be an MSP id/],
  ])('%j', async (args, message) => {
    const r = await run(...args);
    expectBadInput(r, message);
  });
});
