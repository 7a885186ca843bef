import { expectBadInput, runCli } from './cli-child.spec-helper';

// The real CLI in a child process, as `./dev offer …` runs it: bad input is refused before any bridge is asked.
jest.setTimeout(60_000);

const run = (...args: string[]) => runCli('offer', ...args);

const DATA = { kind: 'data', title: 'Air', description: 'Hourly readings', schema: 'pm25 int', updateFrequency: 'hourly', source: { type: 'file' } };

describe("./dev offer: bad input exits 2 with one line, checked with the marketplace's rules before any bridge is asked", () => {
  test.concurrent.each([
    [['post', 'acme', '--offer', JSON.stringify(DATA)], /<MSPID> must be an MSP id/],
    [['post', 'AcmeMSP', '--offer', '{not json'], /--offer must be JSON/],
    [['post', 'AcmeMSP', '--offer', JSON.stringify({ ...DATA, tags: ['air quality'] })], /--offer: tags.0: must be 1-40 letters/],
    [['post', 'AcmeMSP', '--offer', JSON.stringify({ ...DATA, schema: { scale: 0.5 } })], /--offer: schema/],
    [['post', 'AcmeMSP', '--offer', '@/nonexistent/offer.json'], /cannot read \/nonexistent\/offer.json: ENOENT/],
    [['edit', 'AcmeMSP', '--id', 'off 1', '--changes', '{"title":"x"}'], /--id must be 1-128 letters/],
    [['edit', 'AcmeMSP', '--id', 'off-1', '--changes', '{}'], /--changes: body: must change at least one field/],
    [['withdraw', 'AcmeMSP'], /required option '--id <offerId>'/],
    [['describe', 'AcmeMSP', '--id', 'off-1', '--description', '   '], /--description: must not be empty/],
    [['describe', 'AcmeMSP', '--id', 'off-1', '--description', '@/nonexistent/d.txt'], /--description: cannot read \/nonexistent\/d.txt: ENOENT/],
    [['describe', 'AcmeMSP', '--description', 'x'], /required option '--id <offerId>'/],
  ])('%j', async (args, message) => {
    const r = await run(...args);
    expectBadInput(r, message);
  });
});
