import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SunkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

/** An SMTP server that keeps what it is sent, and can refuse the next recipients (4xx or 5xx) or a login. */
export class SmtpSink {
  readonly messages: SunkMessage[] = [];
  readonly #server: SMTPServer;
  readonly #failures: { code: number; text: string }[] = [];
  port = 0;

  private constructor(credentials: { user: string; password: string }) {
    this.#server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === credentials.user && auth.password === credentials.password) return callback(null, { user: auth.username });
        const error = Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 });
        callback(error);
      },
      onRcptTo: (_address, _session, callback) => {
        const failure = this.#failures.shift();
        if (!failure) return callback();
        callback(Object.assign(new Error(failure.text), { responseCode: failure.code }));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          this.messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, parsed: await simpleParser(raw) });
          callback();
        });
      },
    });
  }

  static async start(credentials: { user: string; password: string }): Promise<SmtpSink> {
    const sink = new SmtpSink(credentials);
    await new Promise<void>((resolve) => sink.#server.listen(0, '127.0.0.1', () => resolve()));
    sink.port = (sink.#server.server.address() as { port: number }).port;
    return sink;
  }

  smtpSettings(user: string) {
    return { host: '127.0.0.1', port: this.port, secure: false, user };
  }

  /** The next recipient is refused with this SMTP reply. */
  refuseNext(kind: 'temporary' | 'permanent'): void {
    this.#failures.push(kind === 'temporary' ? { code: 451, text: '4.3.0 Mailbox temporarily unavailable, try later' } : { code: 550, text: '5.1.1 <nobody@example.com>: Recipient address rejected: User unknown' });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
