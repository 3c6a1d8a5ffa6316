/**
 * Entry point of the process that hosts the embedded services of a local run (started by `services-process.ts`
 * with an IPC channel). It starts them with their data on disk, answers `ready` with the endpoints, and on `stop`
 * (or when the parent goes away) closes them, removes their data and exits after reporting its peak RSS.
 */

import { type LocalServices, startLocalServices } from "./services";
import type { ServicesChildMessage, ServicesParentMessage } from "./services-process";

function send(message: ServicesChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

let services: LocalServices | undefined;
let stopping: Promise<void> | undefined;

function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    await services?.stop().catch(() => undefined);
    await send({ type: "stopped", maxRssBytes: process.resourceUsage().maxRSS * 1024 });
    process.exit(code);
  })();
  return stopping;
}

// Ctrl-C reaches the whole process group: the parent decides when the services stop, so they serve until then.
process.on("SIGINT", () => undefined);
process.on("SIGTERM", () => void stop(143));
// The parent exited (or was killed) without stopping us: clean up instead of lingering.
process.on("disconnect", () => void stop(0));

process.on("message", (message: ServicesParentMessage) => {
  if (message.type === "start") {
    const { reportObjects, ...options } = message.options;
    startLocalServices({
      ...options,
      onS3Access: (record) => void send({ type: "s3-access", record }),
      ...(reportObjects ? { onObjectCreated: (created) => void send({ type: "object-created", created }) } : {}),
    }).then(
      (started) => {
        services = started;
        // The parent talks to the services with its own clients.
        started.dynamo.destroy();
        started.s3.destroy();
        const { dynamoEndpoint, s3Endpoint, errorTable, runsTable, bucket, env } = started;
        void send({ type: "ready", services: { dynamoEndpoint, s3Endpoint, errorTable, runsTable, bucket, env } });
      },
      (err: unknown) => {
        void send({ type: "failed", message: err instanceof Error ? err.message : String(err) }).then(() =>
          process.exit(1),
        );
      },
    );
  } else if (message.type === "stop") {
    void stop(0);
  }
});
