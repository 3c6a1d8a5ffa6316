import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { NotifyError } from "../core/notify/errors";
import { clients } from "./clients";

/** The Slack webhook URL could not be read from SSM, or is not a usable URL. */
export class SlackWebhookConfigError extends NotifyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SlackWebhookConfigError";
  }
}

const cache = new Map<string, string>();

/**
 * Reads the Slack webhook URL from an SSM SecureString (with decryption) once per warm container. A missing or
 * unreadable parameter, or a value that is not an https URL (http only to a loopback address), is a
 * {@link SlackWebhookConfigError} naming the parameter — never a placeholder URL.
 */
export async function getSlackWebhookUrl(parameterName: string): Promise<string> {
  const cached = cache.get(parameterName);
  if (cached) return cached;
  let value: string | undefined;
  try {
    const out = await clients.ssm().send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }));
    value = out.Parameter?.Value;
  } catch (err) {
    throw new SlackWebhookConfigError(
      `Cannot read the Slack webhook URL from SSM parameter ${parameterName} (${(err as Error).name}: ${(err as Error).message}). ` +
        "Create it as a SecureString and allow ssm:GetParameter and kms:Decrypt on it.",
      { cause: err },
    );
  }
  if (!value)
    throw new SlackWebhookConfigError(`SSM parameter ${parameterName} has no value: set it to the Slack webhook URL.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SlackWebhookConfigError(
      `SSM parameter ${parameterName} does not hold a URL: set it to the Slack webhook URL.`,
    );
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new SlackWebhookConfigError(`SSM parameter ${parameterName} must hold an https:// Slack webhook URL.`);
  }
  cache.set(parameterName, value);
  return value;
}

/** Forgets cached webhook URLs (tests; a rotated URL is picked up by new containers). */
export function resetSlackWebhookCache(): void {
  cache.clear();
}
