import { SendEmailCommand } from "@aws-sdk/client-ses";
import type { EmailNotice } from "../core/notify/messages";
import type { DeliveryOptions } from "../core/retry";
import { clients, sendWithRetry } from "./clients";

/** Sends a notice by SES with a text and an HTML part (both UTF-8). */
export async function sendEmailNotice(
  from: string,
  to: string[],
  notice: EmailNotice,
  opts: DeliveryOptions,
): Promise<{ messageId?: string; attempts: number }> {
  const { value, attempts } = await sendWithRetry(
    "SES SendEmail",
    (abortSignal) =>
      clients.ses().send(
        new SendEmailCommand({
          Source: from,
          Destination: { ToAddresses: to },
          Message: {
            Subject: { Data: notice.subject, Charset: "UTF-8" },
            Body: { Text: { Data: notice.text, Charset: "UTF-8" }, Html: { Data: notice.html, Charset: "UTF-8" } },
          },
        }),
        { abortSignal },
      ),
    opts,
  );
  return { messageId: value.MessageId, attempts };
}
