// Loaded with -r into a measured child process: records its peak RSS (resourceUsage reports KiB) and the CPU time it
// used (user + system, microseconds) when it exits.
const { writeFileSync } = require("node:fs");
const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on("exit", () => {
    try {
      const usage = process.resourceUsage();
      writeFileSync(
        file,
        JSON.stringify({
          maxRssBytes: usage.maxRSS * 1024,
          cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        }),
      );
    } catch {
      // The parent reports 0 when the file is missing.
    }
  });
}
