// Times are shown in Asia/Shanghai, whatever the browser's zone, with the zone named.
import { getLang, t, type Lang } from "./i18n";

export const ZONE = "Asia/Shanghai";

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(withDate: boolean): Intl.DateTimeFormat {
  const k = String(withDate);
  let f = formatters.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: ZONE, hourCycle: "h23",
      ...(withDate ? { year: "numeric", month: "2-digit", day: "2-digit" } : {}),
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(k, f);
  }
  return f;
}

function parts(d: Date, withDate: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of formatter(withDate).formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** "2026-11-29 22:10:05" in Asia/Shanghai, or "" for a missing or unparsable time. */
export function shanghaiClock(time: string | number | Date | null | undefined, withDate = true): string {
  if (time === null || time === undefined || time === "") return "";
  const d = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(d.getTime())) return "";
  const p = parts(d, withDate);
  const clock = `${p.hour}:${p.minute}:${p.second}`;
  return withDate ? `${p.year}-${p.month}-${p.day} ${clock}` : clock;
}

/** "2026-11-29 22:10:05 北京时间 (UTC+8)" / "2026-11-29 22:10:05 CST (UTC+8)". */
export function formatTime(time: string | number | Date | null | undefined, lang: Lang = getLang()): string {
  const s = shanghaiClock(time);
  return s ? `${s} ${t("time.zone", {}, lang)}` : "";
}

/** The clock only (for lists where the zone is said once in a header). */
export function formatClock(time: string | number | Date | null | undefined): string {
  return shanghaiClock(time, false);
}
