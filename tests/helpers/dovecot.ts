import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { freePort } from './free-port.ts';

export const MAILBOX = { address: 'agent@crm.test', password: 'secret' };
/** Dovecot runs mail processes as nobody (/work/shared/PEERS.md). */
const NOBODY = 65534;

function config(dir: string, imapPort: number, lmtpPort: number, name: string): string {
  return `protocols = imap lmtp
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = ${name}
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${NOBODY} gid=${NOBODY} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
}
`;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * A real Dovecot (IMAP + LMTP) from a temporary config on free loopback ports, one per test file. Mail is
 * delivered over LMTP, as a mail server would. `stop()` kills it and waits until its master has exited.
 */
export class Dovecot {
  readonly dir: string;
  readonly imapPort: number;
  readonly lmtpPort: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(dir: string, imapPort: number, lmtpPort: number, child: ChildProcess) {
    this.dir = dir;
    this.imapPort = imapPort;
    this.lmtpPort = lmtpPort;
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(users: string[] = [MAILBOX.address]): Promise<Dovecot> {
    const dir = mkdtempSync(join(tmpdir(), 'crm-dovecot-'));
    // Mail processes run as nobody and must reach the mail folders inside.
    chmodSync(dir, 0o755);
    for (const sub of ['mail', 'home', 'run', 'state']) mkdirSync(join(dir, sub));
    chownSync(join(dir, 'mail'), NOBODY, NOBODY);
    chownSync(join(dir, 'home'), NOBODY, NOBODY);
    writeFileSync(join(dir, 'users'), users.map((u) => `${u}:{PLAIN}${MAILBOX.password}\n`).join(''));
    const [imapPort, lmtpPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'dovecot.conf'), config(dir, imapPort, lmtpPort, `crm-test-${imapPort}`));
    const child = spawn('dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
    // A test process that ends without reaching afterAll (a timeout, a crash) must not leave Dovecot running.
    const orphaned = () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', orphaned);
    child.once('exit', () => process.off('exit', orphaned));
    const dovecot = new Dovecot(dir, imapPort, lmtpPort, child);
    for (let i = 0; i < 100; i++) {
      if ((await answers(imapPort)) && (await answers(lmtpPort))) return dovecot;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const log = (() => {
      try {
        return readFileSync(join(dir, 'dovecot.log'), 'utf8');
      } catch {
        return '';
      }
    })();
    await dovecot.stop();
    throw new Error(`dovecot did not start:\n${log}`);
  }

  /** IMAP settings of an email inbox on this server. */
  imapSettings(user = MAILBOX.address) {
    return { host: '127.0.0.1', port: this.imapPort, secure: false, user };
  }

  /** Delivers a raw message over LMTP, as the mail server in front of a mailbox would. */
  async deliver(raw: string | Buffer, options: { to?: string; from?: string } = {}): Promise<void> {
    const transport = nodemailer.createTransport({ lmtp: true, host: '127.0.0.1', port: this.lmtpPort, ignoreTLS: true } as never);
    try {
      await transport.sendMail({ envelope: { from: options.from ?? 'sender@example.com', to: [options.to ?? MAILBOX.address] }, raw });
    } finally {
      transport.close();
    }
  }

  /** Gives the folder a new UIDVALIDITY, as a server does after rebuilding its index: every UID a client knew is void. */
  async changeUidValidity(folder = 'INBOX', user = MAILBOX.address): Promise<void> {
    const value = String(Math.floor(Date.now() / 1000) + Math.floor(Math.random() * 1000));
    await new Promise<void>((resolve, reject) => {
      const child = spawn('doveadm', ['-c', join(this.dir, 'dovecot.conf'), 'mailbox', 'update', '-u', user, '--uid-validity', value, folder], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`doveadm exited with ${code}`))));
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
    await this.#exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
