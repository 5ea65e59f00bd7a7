/**
 * Deadline e-mails through nodemailer. Built only when SMTP_URL is set (smtp:// for plain or STARTTLS, smtps://
 * for implicit TLS; credentials in the URL); without it deadlines are raised in the console only.
 */
import { createTransport } from 'nodemailer';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

export interface ReportMailer {
  /** Resolves with the transport's answer (nodemailer's info), null when there was no one to send to. */
  send(message: MailMessage): Promise<unknown>;
  close(): void;
}

/** Transport options go straight to nodemailer (tests pass `{ jsonTransport: true }` or a local sink's URL). */
export function createReportMailer(opts: { transport: string | Record<string, unknown>; from: string }): ReportMailer {
  const transporter = createTransport(opts.transport as never);
  return {
    async send(message) {
      if (message.to.length === 0) return null;
      return transporter.sendMail({ from: opts.from, to: message.to, subject: message.subject, text: message.text });
    },
    close() {
      transporter.close();
    },
  };
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export const isEmailAddress = (s: string) => EMAIL.test(s);
