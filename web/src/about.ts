// GET /api/v1/about (public): the server's version and its notice, shown as a banner when set
// (e.g. that the demo's traffic and calls are simulated). A server without the route: nothing.
import { t } from "./i18n";

export interface About { name?: string; version?: string; notice?: string }

let cached: Promise<About | null> | null = null;
export function about(): Promise<About | null> {
  cached ??= fetch("/api/v1/about").then((r) => (r.ok ? (r.json() as Promise<About>) : null)).catch(() => null);
  return cached;
}

/** Fills `el` with the notice and shows it, or leaves it hidden. */
export function showNotice(el: HTMLElement): void {
  el.hidden = true;
  void about().then((a) => {
    if (a && typeof a.notice === "string" && a.notice.trim()) {
      el.textContent = `${t("notice")}：${a.notice}`;
      el.hidden = false;
    }
  });
}
