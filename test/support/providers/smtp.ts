/**
 * A real SMTP server on an ephemeral port (smtp-server), for the email channel's tests and the
 * end-to-end tests: it requires AUTH (PLAIN/LOGIN, no TLS), keeps every accepted message raw and parsed
 * (mailparser), and can be scripted to reject a recipient or the next MAIL FROM / RCPT TO / DATA with a
 * given SMTP reply code.
 */
import type { AddressInfo, Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export type SmtpStage = 'mail' | 'rcpt' | 'data';

export interface ReceivedMail {
  /** The SMTP envelope: MAIL FROM and RCPT TO addresses. */
  envelope: { mailFrom: string | undefined; rcptTo: string[] };
  /** The user that authenticated the session. */
  user: string | undefined;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  user: string;
  pass: string;
  /** smtp://user:pass@127.0.0.1:port */
  url: string;
  /** Messages accepted so far, in order. */
  messages: ReceivedMail[];
  /** Resolves with the n-th accepted message (0-based), waiting for it if needed. */
  message(index: number, timeoutMs?: number): Promise<ReceivedMail>;
  /** Reject the next command at this stage once, with this reply (e.g. 451 'Try again later'). */
  failNext(stage: SmtpStage, code: number, text: string): void;
  /** Reject RCPT TO for this address every time (e.g. 550 'Mailbox unavailable'). */
  rejectRecipient(address: string, code: number, text: string): void;
  /** Drop the connection when the next message arrives (after DATA), as a crash would. */
  dropNextConnection(): void;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startSmtpServer(opts: { user?: string; pass?: string } = {}): Promise<TestSmtpServer> {
  const user = opts.user ?? 'alerts';
  const pass = opts.pass ?? 'secret';
  const messages: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  const failures: Array<{ stage: SmtpStage; code: number; text: string }> = [];
  const rejectedRecipients = new Map<string, { code: number; text: string }>();
  let dropNext = false;

  const takeFailure = (stage: SmtpStage): Error | null => {
    const i = failures.findIndex((f) => f.stage === stage);
    if (i < 0) return null;
    const [f] = failures.splice(i, 1);
    return f ? smtpError(f.code, f.text) : null;
  };

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user: auth.username });
      return callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, _session, callback) {
      callback(takeFailure('mail'));
    },
    onRcptTo(address, _session, callback) {
      const rejected = rejectedRecipients.get(address.address.toLowerCase());
      if (rejected) return callback(smtpError(rejected.code, rejected.text));
      callback(takeFailure('rcpt'));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (dropNext) {
          dropNext = false;
          // Destroying the sockets mid-transaction: the client sees the connection close.
          for (const socket of sockets) socket.destroy();
          return;
        }
        const failure = takeFailure('data');
        if (failure) return callback(failure);
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              envelope: {
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
                rcptTo: session.envelope.rcptTo.map((r) => r.address),
              },
              user: typeof session.user === 'string' ? session.user : undefined,
              raw,
              parsed,
            });
            for (const w of waiters.splice(0)) w();
            callback(null);
          })
          .catch((err: unknown) => callback(err as Error));
      });
    },
  });
  const sockets = new Set<Socket>();
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // smtp-server emits 'error' for client sockets that go away; tests provoke that on purpose.
  server.on('error', () => {});

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const host = '127.0.0.1';

  return {
    host,
    port,
    user,
    pass,
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@${host}:${port}`,
    messages,
    async message(index, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!messages[index]) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`test SMTP server: no message #${index} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return messages[index];
    },
    failNext(stage, code, text) {
      failures.push({ stage, code, text });
    },
    rejectRecipient(address, code, text) {
      rejectedRecipients.set(address.toLowerCase(), { code, text });
    },
    dropNextConnection() {
      dropNext = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
