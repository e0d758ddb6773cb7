/** A real SMTP server (the smtp-server package) on loopback, with AUTH required, recording what it receives. */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The credentials the client authenticated with. */
  username: string;
  password: string;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** Connections the server has accepted. */
  readonly connections: number;
  /** The password the server accepts (change it to simulate a rotated account password). */
  accept: { username: string; password: string };
  /**
   * From now on, once `after` messages in all were accepted, the next message's data is read but never
   * answered (the client waits, as on a hung server); resolves when that happens.
   */
  stallAfter(after: number): Promise<void>;
  /** Answers messages again (one left hanging stays unanswered). */
  resume(): void;
  close(): Promise<void>;
}

export async function startSmtpServer(
  mode: 'none' | 'starttls' | 'tls',
  accept: { username: string; password: string },
  tls?: { key: string; cert: string },
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const state = { accept, connections: 0 };
  let stall: { after: number; reached: () => void } | undefined;
  const server = new SMTPServer({
    secure: mode === 'tls',
    ...(mode !== 'none' && tls ? { key: tls.key, cert: tls.cert } : {}),
    ...(mode === 'none' ? { disabledCommands: ['STARTTLS'], allowInsecureAuth: true } : {}),
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    logger: false,
    onConnect(_session, callback) {
      state.connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username === state.accept.username && auth.password === state.accept.password)
        return callback(null, { user: { username: auth.username ?? '', password: auth.password ?? '' } });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (stall && received.length >= stall.after) {
            stall.reached();
            return; // never answered: the message is not accepted
          }
          const user = session.user as unknown as { username: string; password: string };
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            username: user.username,
            password: user.password,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    get connections() {
      return state.connections;
    },
    get accept() {
      return state.accept;
    },
    set accept(value) {
      state.accept = value;
    },
    stallAfter(after) {
      return new Promise<void>((reached) => {
        stall = { after, reached };
      });
    },
    resume() {
      stall = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The fields of an SMTP secret that sends through `server` on loopback, with the login it accepts now. */
export function relaySecretFields(server: TestSmtpServer, from = 'tresor@example.test') {
  return {
    host: '127.0.0.1',
    port: server.port,
    security: 'none',
    username: server.accept.username,
    password: server.accept.password,
    from,
  };
}
