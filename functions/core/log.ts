import { LOG_FIELDS } from "../contract";
import { choiceEnv } from "./env";

/**
 * The structured logger: one JSON object per line on stdout, which CloudWatch Logs stores as is, Logs Insights
 * parses field by field, and metric filters match (`{ $.severity = "CRITICAL" }`). Each handler creates one logger,
 * named for it, at module load, and hands it to the code that logs for it.
 */

export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The variable that sets the lowest level written (default `INFO`); read once, when this module loads. */
export const LOG_LEVEL_ENV = "LOG_LEVEL";

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };
const minimum = ORDER[choiceEnv(LOG_LEVEL_ENV, LOG_LEVELS, "INFO")];

/** Where lines go; tests and the local runner replace it to capture or redirect them. */
export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Replaces the log sink (returns the previous one so callers can restore it). */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.cause ? { cause: errorFields(value.cause) } : {}) };
  }
  return value;
}

/** Writes one JSON line: `{ timestamp, level, logger, message, ...fields }`. Error values are reduced to name/message. */
function write(level: LogLevel, logger: string, message: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < minimum) return;
  const entry: Record<string, unknown> = {
    [LOG_FIELDS.timestamp]: new Date().toISOString(),
    [LOG_FIELDS.level]: level,
    [LOG_FIELDS.logger]: logger,
    [LOG_FIELDS.message]: message,
  };
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) entry[k] = errorFields(v);
  }
  let line: string;
  try {
    line = JSON.stringify(entry);
  } catch {
    line = JSON.stringify({
      [LOG_FIELDS.timestamp]: entry[LOG_FIELDS.timestamp],
      [LOG_FIELDS.level]: level,
      [LOG_FIELDS.logger]: logger,
      [LOG_FIELDS.message]: message,
      note: "fields not serialisable",
    });
  }
  sink(line);
}

/** A logger bound to one name (the handler's). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Returns a logger whose lines carry `logger: name`.
 *
 * @example const log = createLogger("split-csv"); log.info("split done", { executionName, chunkCount: 3 })
 */
export function createLogger(name: string): Logger {
  return {
    debug: (m, f) => write("DEBUG", name, m, f),
    info: (m, f) => write("INFO", name, m, f),
    warn: (m, f) => write("WARN", name, m, f),
    error: (m, f) => write("ERROR", name, m, f),
  };
}

/**
 * A logger whose every line carries `fields` (a line's own fields of the same name win).
 *
 * @example withFields(createLogger("check"), { feed: "orders" }).info("check finished") // … "feed":"orders" …
 */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const all = (own?: Record<string, unknown>) => ({ ...fields, ...own });
  return {
    debug: (m, f) => logger.debug(m, all(f)),
    info: (m, f) => logger.info(m, all(f)),
    warn: (m, f) => logger.warn(m, all(f)),
    error: (m, f) => logger.error(m, all(f)),
  };
}
