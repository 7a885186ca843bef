import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandFailedError, followCommand } from './commands';

/** A local HTTP server speaking the marketplace's event stream, scripted per test. */
let server: Server;
let base = '';
let script: (res: ServerResponse, url: string, auth: string | undefined) => void;

beforeAll(async () => {
  server = createServer((req, res) => script(res, req.url ?? '', req.headers.authorization));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const event = (data: Record<string, unknown>) => `id: ${String(data['commandId'])}:${String(data['status'])}\nevent: command\ndata: ${JSON.stringify(data)}\n\n`;

describe('followCommand', () => {
  it('prints one progress line while pending and returns the committed outcome', async () => {
    script = (res, url, auth) => {
      expect(url).toBe('/commands/marketplace%3ARecordRevenue%3A1/events');
      expect(auth).toBe('Bearer t');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event({ commandId: 'marketplace:RecordRevenue:1', action: 'RecordRevenue', status: 'pending' }));
      setTimeout(() => res.end(event({ commandId: 'marketplace:RecordRevenue:1', action: 'RecordRevenue', status: 'committed', txId: 'ab', blockNumber: '7' })), 20);
    };
    const lines: string[] = [];
    const outcome = await followCommand(base, 'marketplace:RecordRevenue:1', 't', { what: 'recording revenue', timeoutMs: 5000, progress: (l) => lines.push(l) });
    expect(outcome).toMatchObject({ status: 'committed', txId: 'ab', blockNumber: '7' });
    expect(lines).toEqual(['recording revenue: ledger command marketplace:RecordRevenue:1 pending; waiting up to 5 s for the ledger']);
  });

  it("throws the chaincode's code and message when the ledger refused", async () => {
    script = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(event({ commandId: 'c', action: 'SubmitFeedback', status: 'failed', code: 'NOT_FOUND', message: 'no DAO x in the directory', ledgerCode: 'ENDORSE_ABORTED' }));
    };
    const failure = await followCommand(base, 'c', 't', { what: 'feedback', timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CommandFailedError);
    expect((failure as Error).message).toBe('feedback failed on the ledger: NOT_FOUND: no DAO x in the directory (ENDORSE_ABORTED)');
  });

  it('gives up after the timeout, saying the command is still pending', async () => {
    script = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event({ commandId: 'c', action: 'PostOffer', status: 'pending' }));
    };
    await expect(followCommand(base, 'c', 't', { what: 'posting an offer', timeoutMs: 300 })).rejects.toThrow('posting an offer: ledger command c still pending after 0.3 s');
  });

  it("passes the service's refusal on (another identity's command)", async () => {
    script = (res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'COMMAND_NOT_FOUND', message: 'no command c of this identity' }));
    };
    await expect(followCommand(base, 'c', 't', { what: 'x', timeoutMs: 5000 })).rejects.toMatchObject({ status: 404, code: 'COMMAND_NOT_FOUND' });
  });
});
