// Durations (ETA) and distances as shown to a dispatcher.
import { getLang, t, type Lang } from "./i18n";

/** 42 → "42 秒"; 188 → "3 分 8 秒"; 3900 → "1 小时 5 分". Negative or missing → "—". */
export function formatDuration(seconds: number | null | undefined, lang: Lang = getLang()): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return t("dur.s", { s }, lang);
  if (s < 3600) return t("dur.ms", { m: Math.floor(s / 60), s: s % 60 }, lang);
  return t("dur.h", { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) }, lang);
}

/** 850.4 → "850 米"; 2280.5 → "2.3 公里"; 12345 → "12 公里". */
export function formatDistance(meters: number | null | undefined, lang: Lang = getLang()): string {
  if (meters === null || meters === undefined || !Number.isFinite(meters) || meters < 0) return "—";
  if (meters < 1000) return t("dist.m", { m: Math.round(meters) }, lang);
  const km = meters / 1000;
  return t("dist.km", { km: km < 10 ? km.toFixed(1) : String(Math.round(km)) }, lang);
}

/** 0.6134 → "61.3 %". */
export function formatRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return "—";
  return `${(r * 100).toFixed(1)} %`;
}

/** A recommendation warning (the server's English text) in the UI language: the known forms are
 *  translated with their numbers; anything else is shown as the server wrote it. */
export function formatWarning(w: string, lang: Lang = getLang()): string {
  let m: RegExpMatchArray | null;
  if ((m = w.match(/^stale position: fix (\d+) s old$/))) return t("warn.stale", { age: formatDuration(Number(m[1]), lang) }, lang);
  if ((m = w.match(/^on foot: route length at (\d+(?:\.\d+)?) km\/h$/))) return t("warn.foot", { kmh: m[1] }, lang);
  if (w === "no position report; ranked from its home base") return t("warn.noFix", {}, lang);
  if (w === "position is the home base") return t("warn.home", {}, lang);
  if (w === "returning from an incident") return t("warn.returning", {}, lang);
  return w;
}
