/**
 * The V8 heap limit the local runner (`npm start`) and its services process start with.
 *
 * Both processes stream: their live data stays near 50–90 MB at any file size. Without a limit, V8 sizes the old
 * generation's growth for the machine (with 2 GB of heap or more it lets the heap reach 4× the live data between
 * full collections); below 2 GB the factor shrinks with the limit (about 1.8× at 1,536 MB). At 1,000,000 rows with
 * 10 % bad this held the runner's peak RSS near 205 MB instead of 285–320 MB, and the services process's near 210 MB
 * instead of 250 MB, for no CPU time measurably different; 1,536 MB still leaves room for the largest reports.
 */
export const LOCAL_HEAP_FLAG = "--max-old-space-size=1536";
