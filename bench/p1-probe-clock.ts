/** The clock of P1 runs: a weekday at 11:00 in Tokyo, outside quiet hours, so every routed channel is sent. */
export const BENCH_NOW = new Date("2025-06-03T11:00:00+09:00");
