/**
 * The fuzz suite's budgets, in one place.
 *
 * @module
 */

/** Cases the CI test runs per runtime (tests/fuzz_test.ts). */
export const CI_CASES = 20_000;
/** Slowest acceptable pace of the CI run, cases per second (it asserts it). */
export const MIN_CASES_PER_SECOND = 200;
/** Longest a single case may take before the watchdog kills the child process (ms). */
export const CASE_TIMEOUT_MS = 2_000;
/** Longest a child may take to start and build its corpus (ms). */
export const STARTUP_TIMEOUT_MS = 60_000;
/** Time a hung or crashed case gets when it is run again alone to confirm it (ms). */
export const CONFIRM_TIMEOUT_MS = CASE_TIMEOUT_MS;
/**
 * A data-only load slower than SLOW_BASE_MS + SLOW_MS_PER_MB × input size (twice in a row)
 * fails as "slow". The goal is ~1 s per MB; four times that leaves room for a loaded machine
 * and still catches quadratic work (the attacks reach 256 KB).
 */
export const SLOW_BASE_MS = 500;
export const SLOW_MS_PER_MB = 4_000;
/**
 * A data-only load whose heap and external memory grow past MEMORY_BASE + MEMORY_PER_BYTE ×
 * input size (while its value is alive) fails as "memory" (the goal: 64 × input + 64 MiB).
 */
export const MEMORY_BASE = 64 * 2 ** 20;
export const MEMORY_PER_BYTE = 64;
