import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { SlackWebhookConfigError } from "../core/errors";
import { type BackoffOptions, withRetry } from "../core/retry";
import { clients, isTransientAwsError } from "./clients";

/** Reads of the parameter: the SSM client makes one attempt per call, so transient failures are retried here. */
const READ_RETRY: BackoffOptions = { attempts: 3, baseMs: 100, capMs: 1000, jitter: "full" };

const cache = new Map<string, string>();

/**
 * Reads the Slack webhook URL from an SSM SecureString (with decryption) once per warm container. A missing or
 * unreadable parameter, or a value that is not an https URL (http only to a loopback address), is a
 * {@link SlackWebhookConfigError} naming the parameter — never a placeholder URL. Transient read failures are retried
 * (3 attempts, full jitter).
 */
export async function getSlackWebhookUrl(parameterName: string): Promise<string> {
  const cached = cache.get(parameterName);
  if (cached) return cached;
  let value: string | undefined;
  try {
    const { value: out } = await withRetry(
      () => clients.ssm().send(new GetParameterCommand({ Name: parameterName, WithDecryption: true })),
      { ...READ_RETRY, retryable: isTransientAwsError },
    );
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
  } catch (err) {
    throw new SlackWebhookConfigError(
      `SSM parameter ${parameterName} does not hold a URL: set it to the Slack webhook URL.`,
      { cause: err },
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
