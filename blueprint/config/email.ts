/** E-mail addresses and recipient lists, within what one SES SendEmail accepts. */
import * as z from "zod";
import { RULES } from "./rules";

/** One e-mail address. */
export const email = z.email({ error: RULES.email });

/**
 * Most addresses one `emailTo` list may hold: the check sends each notice as one SES SendEmail, which takes at most
 * 50 recipients (To, CC and BCC together). Each address also adds SES identities to the check's role policy, whose
 * inline policies may hold 10,240 characters in all; `iam.ts` refuses a policy past that limit.
 */
export const MAX_EMAIL_RECIPIENTS = 50;

/** A list of e-mail addresses that one SendEmail can reach. */
export const emailList = z.array(email, { error: RULES.emailTo }).max(MAX_EMAIL_RECIPIENTS, {
  error: (issue) =>
    `lists ${(issue.input as unknown[]).length} addresses: SES SendEmail takes at most ${MAX_EMAIL_RECIPIENTS} recipients (use a mailing list address for more)`,
});
