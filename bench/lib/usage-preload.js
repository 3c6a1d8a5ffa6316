// Loaded with -r into a measured child process: records its peak RSS when it exits (resourceUsage reports KiB).
const { writeFileSync } = require("node:fs");
const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on("exit", () => {
    try {
      writeFileSync(file, JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
    } catch {
      // The parent reports 0 when the file is missing.
    }
  });
}
