/**
 * lib/mail: how Coffer sends email (Resend, or the dev outbox) and the messages it sends.
 */
export { MailError, sendMail, writeToOutbox, type MailMessage, type MailReceipt } from './transport';
export { escapeHtml, passwordChangedEmail, resetCodeEmail, signInCodeEmail } from './templates';
