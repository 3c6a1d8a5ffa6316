/** The five handlers: module, memory and timeout. Keys match `workflow/pipeline.ts` resource names. */
export const FUNCTION_SPECS = {
  splitCsv: { name: "split-csv", entry: "functions/split-csv.ts", memorySize: 512, timeout: 900 },
  processChunk: { name: "process-chunk", entry: "functions/process-chunk.ts", memorySize: 1024, timeout: 900 },
  aggregateResults: {
    name: "aggregate-results",
    entry: "functions/aggregate-results.ts",
    memorySize: 256,
    // Composes a run's rows.csv and errors.csv at once by streaming up to 256 chunks' parts through S3 (2 parts of
    // 5 MiB in memory per file, whatever its size). A 1M-row file of ≈ 100-byte rows rejected whole makes ≈ 100 MB of
    // rows.csv and ≈ 100 MB of errors.csv from 512 parts: composed in 7.5 s against the local S3 (loopback), so
    // tens of seconds on S3, where each part read pays a request's latency. Five minutes leaves several times that
    // for slow requests and retries, and is short enough that a stuck composition fails (and the check still runs)
    // while the run is fresh.
    timeout: 300,
  },
  // Reads one partition of every chunk's unique-key hashes (at most 256 chunks × its section, a few ranged GETs in
  // flight) and keeps that partition's distinct keys in memory: ≈ 1,000,000 entries (≈ 33 MB) up to 256,000,000
  // key entries in the file (records × unique keys).
  findDuplicates: { name: "find-duplicates", entry: "functions/find-duplicates.ts", memorySize: 512, timeout: 300 },
  checkErrors: {
    name: "check-errors-and-notify",
    entry: "functions/check-errors-and-notify.ts",
    memorySize: 256,
    timeout: 300,
  },
} as const;
export type FunctionKey = keyof typeof FUNCTION_SPECS;
export const FUNCTION_KEYS = Object.keys(FUNCTION_SPECS) as FunctionKey[];
