// Prints one plain closing line, "vitest: N passed, N failed", after vitest's own summary, so
// that a CI log reader that knows no vitest still sees the outcome.
import type { Reporter, File, Task } from "vitest";

function count(tasks: Task[], acc = { passed: 0, failed: 0, skipped: 0 }) {
  for (const t of tasks) {
    if (t.type === "suite") count(t.tasks, acc);
    else if (t.mode === "skip" || t.mode === "todo") acc.skipped++;
    else if (t.result?.state === "pass") acc.passed++;
    else if (t.result?.state === "fail") acc.failed++;
  }
  return acc;
}

export default class SummaryReporter implements Reporter {
  onFinished(files: File[] = [], errors: unknown[] = []) {
    const c = count(files);
    // A file that failed to load has no tests but is a failure.
    const broken = files.filter((f) => f.result?.state === "fail" && f.tasks.length === 0).length + errors.length;
    const failed = c.failed + broken;
    console.log(`vitest: ${c.passed} passed, ${failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`);
  }
}
