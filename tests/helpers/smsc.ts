import type { AddressInfo } from 'node:net';
import smpp, { type Pdu, type Session } from 'smpp';

export interface SubmittedSms {
  from: string;
  to: string;
  text: string;
  dataCoding: number;
  /** The concatenation header element (IEI, length, ref, total, seq), when the SMS is a part. */
  udh?: Buffer;
  messageId: string;
}

/**
 * An SMS centre on loopback built on the `smpp` package's server: it checks the bind's system id and password,
 * accepts submit_sm (answering with an id, or with a status queued by the test), and sends deliver_sm (customer
 * messages and delivery receipts) to the bound transceiver.
 */
export async function fakeSmsc(credentials = { systemId: 'crm', password: 'secret' }) {
  const submitted: SubmittedSms[] = [];
  const failures: number[] = [];
  const binds: string[] = [];
  let enquireLinks = 0;
  let counter = 0;
  const sessions = new Set<Session>();
  const transceivers = new Set<Session>();

  const server = smpp.createServer((session: Session) => {
    sessions.add(session);
    session.on('close', () => {
      sessions.delete(session);
      transceivers.delete(session);
    });
    session.on('error', () => {});
    for (const mode of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
      session.on(mode, (pdu: Pdu) => {
        binds.push(mode);
        if (pdu.system_id !== credentials.systemId || pdu.password !== credentials.password) {
          session.send(pdu.response({ command_status: pdu.system_id !== credentials.systemId ? smpp.ESME_RINVSYSID : smpp.ESME_RINVPASWD }));
          return;
        }
        session.send(pdu.response({ system_id: 'fake-smsc' }));
        if (mode !== 'bind_transmitter') transceivers.add(session);
      });
    }
    session.on('enquire_link', (pdu: Pdu) => {
      enquireLinks++;
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: Pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: Pdu) => {
      const failure = failures.shift();
      if (failure) return void session.send(pdu.response({ command_status: failure }));
      const messageId = `smsc-${++counter}`;
      const body = pdu.short_message as { message: string | Buffer; udh?: Buffer[] };
      submitted.push({ from: pdu.source_addr, to: pdu.destination_addr, text: String(body.message), dataCoding: pdu.data_coding, udh: body.udh?.[0], messageId });
      session.send(pdu.response({ message_id: messageId }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  /** Sends a deliver_sm to the bound transceiver; resolves with the ESME's answer status. */
  async function deliver(fields: Record<string, unknown>): Promise<number> {
    const deadline = Date.now() + 10_000;
    while (transceivers.size === 0) {
      if (Date.now() > deadline) throw new Error('no transceiver bound to the SMS centre');
      await new Promise((r) => setTimeout(r, 20));
    }
    const session = [...transceivers].at(-1)!;
    return new Promise((resolve) => session.send(new smpp.PDU('deliver_sm', { service_type: '', dest_addr_ton: 1, dest_addr_npi: 1, ...fields }), (response: Pdu) => resolve(response.command_status)));
  }

  return {
    url: `smpp://127.0.0.1:${port}`,
    credentials,
    submitted,
    failures,
    binds,
    enquireLinks: () => enquireLinks,
    bound: () => transceivers.size,
    /** Texts received, long ones put back together from their parts. */
    texts(): string[] {
      const out: string[] = [];
      const parts = new Map<string, string[]>();
      for (const sms of submitted) {
        if (!sms.udh) {
          out.push(sms.text);
          continue;
        }
        const key = `${sms.to}:${sms.udh[2]}`;
        const list = parts.get(key) ?? [];
        list[sms.udh[4]! - 1] = sms.text;
        parts.set(key, list);
        if (list.filter((p) => p !== undefined).length === sms.udh[3]) out.push(list.join(''));
      }
      return out;
    },
    /** A customer's SMS (GSM-7 text, or UCS-2 when it needs it), from an international number. */
    customerSends(from: string, text: string, extra: Record<string, unknown> = {}) {
      return deliver({ source_addr: from.replace(/^\+/, ''), source_addr_ton: 1, source_addr_npi: 1, destination_addr: '4915550100', short_message: text, ...extra });
    },
    /** A delivery receipt for a message id the centre handed out (SMPP 3.4 Appendix B text). */
    receipt(messageId: string, stat: 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'ENROUTE', err = '000') {
      return deliver({ source_addr: '4915112345678', source_addr_ton: 1, destination_addr: '4915550100', esm_class: 0x04, short_message: `id:${messageId} sub:001 dlvrd:001 submit date:2611252000 done date:2611252001 stat:${stat} err:${err} text:` });
    },
    /** Cuts every connection, as a crashed or restarted SMS centre would. */
    dropConnections() {
      for (const session of sessions) session.destroy();
    },
    async close() {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
