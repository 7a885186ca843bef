import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TofuOptions {
  readonly binary: string;
  /** Folder holding one configuration folder per workspace. */
  readonly root: string;
  /** postgres:// URL of the backend database (handed to tofu in PG_CONN_STR, never written to disk). */
  readonly postgresUrl: string;
}

export class TofuError extends Error {
  readonly code: 'TOFU_FAILED' | 'TOFU_STATE_LOCKED';
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'TofuError';
    this.code = /Error acquiring the state lock|state lock/i.test(message) ? 'TOFU_STATE_LOCKED' : 'TOFU_FAILED';
  }
}

export type LineSink = (line: string) => void;

/**
 * OpenTofu for one workspace (a DAO version): its configuration folder, the `pg` backend with a
 * workspace per version, and apply/destroy with output streamed line by line. The backend locks a
 * workspace's state for each operation (a PostgreSQL advisory lock of tofu's own session), so two
 * applies of one workspace never interleave, and a killed tofu releases its lock with its connection.
 */
export class TofuWorkspace {
  readonly dir: string;

  constructor(
    private readonly options: TofuOptions,
    readonly name: string,
  ) {
    this.dir = join(options.root, name);
  }

  writeConfiguration(document: Record<string, unknown>): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'main.tf.json'), `${JSON.stringify(document, null, 2)}\n`);
  }

  /** init, then select the workspace, creating it the first time. */
  async prepare(onLine: LineSink): Promise<void> {
    await this.run(['init', '-input=false', '-no-color', '-reconfigure'], onLine, { TF_WORKSPACE: undefined });
    const list = await this.run(['workspace', 'list', '-no-color'], () => undefined, { TF_WORKSPACE: undefined });
    const exists = list.split('\n').some((l) => l.replace(/^\*?\s*/, '').trim() === this.name);
    if (!exists) await this.run(['workspace', 'new', '-no-color', this.name], onLine, { TF_WORKSPACE: undefined });
  }

  async apply(onLine: LineSink, lockTimeout = '60s'): Promise<void> {
    await this.run(['apply', '-auto-approve', '-input=false', '-no-color', `-lock-timeout=${lockTimeout}`], onLine);
  }

  async destroy(onLine: LineSink, lockTimeout = '60s'): Promise<void> {
    await this.run(['destroy', '-auto-approve', '-input=false', '-no-color', `-lock-timeout=${lockTimeout}`], onLine);
  }

  /** Removes the (empty) workspace's state from the backend. */
  async deleteWorkspace(onLine: LineSink): Promise<void> {
    await this.run(['workspace', 'select', '-no-color', 'default'], onLine, { TF_WORKSPACE: undefined });
    await this.run(['workspace', 'delete', '-no-color', this.name], onLine, { TF_WORKSPACE: undefined });
  }

  /** `tofu output -json`, as tofu prints it. */
  async outputs(): Promise<string> {
    return this.run(['output', '-json', '-no-color'], () => undefined);
  }

  run(args: readonly string[], onLine: LineSink, extraEnv: Record<string, string | undefined> = {}): Promise<string> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PG_CONN_STR: withSslDisabled(this.options.postgresUrl),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_WORKSPACE: this.name,
      ...extraEnv,
    };
    for (const [k, v] of Object.entries(extraEnv)) if (v === undefined) delete env[k];
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, [...args], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: string[] = [];
      const tail: string[] = [];
      const feed = (stream: NodeJS.ReadableStream, keep: boolean) => {
        let partial = '';
        stream.on('data', (chunk: Buffer) => {
          const text = partial + chunk.toString('utf8');
          if (keep) out.push(chunk.toString('utf8'));
          const lines = text.split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            if (line.trim() === '') continue;
            tail.push(line);
            if (tail.length > 30) tail.shift();
            onLine(line);
          }
        });
        stream.on('end', () => {
          if (partial.trim() !== '') {
            tail.push(partial);
            onLine(partial);
          }
        });
      };
      feed(child.stdout, true);
      feed(child.stderr, false);
      child.on('error', (e) => reject(new TofuError(`cannot run ${this.options.binary}: ${e.message}`, args, null)));
      child.on('close', (code) => {
        if (code === 0) return resolve(out.join(''));
        reject(new TofuError(`tofu ${args[0]} failed (exit ${code}): ${tail.slice(-12).join('\n')}`, args, code));
      });
    });
  }
}

function withSslDisabled(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'disable');
  return u.toString();
}
