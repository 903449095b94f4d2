// Entry: the login screen, or the command map when a token is held in sessionStorage.
import "leaflet/dist/leaflet.css";
import "./style.css";
import { about, showNotice } from "./about";
import { Api, ApiError, TOKEN_KEY } from "./api";
import { h, clear } from "./dom";
import { setLang, t, type Lang } from "./i18n";
import type { Principal } from "./permissions";
import { startApp } from "./app";

export const LANG_KEY = "quanyu.lang";

function initLang(): void {
  const saved = localStorage.getItem(LANG_KEY);
  setLang(saved === "en" ? "en" : "zh-CN");
  document.documentElement.lang = saved === "en" ? "en" : "zh-CN";
  document.title = t("app.title");
}

export function switchLang(to: Lang): void {
  localStorage.setItem(LANG_KEY, to);
  location.reload();
}

function showLogin(root: HTMLElement, message = ""): void {
  clear(root);
  const user = h("input", { name: "user", autocomplete: "username", "data-testid": "login-user", required: true });
  const pw = h("input", { name: "password", type: "password", autocomplete: "current-password", "data-testid": "login-password", required: true });
  const err = h("div", { class: "error", "data-testid": "login-error", role: "alert" }, message);
  const btn = h("button", { type: "submit", class: "primary", "data-testid": "login-submit" }, t("login.submit"));
  const form = h("form", { class: "login", "data-testid": "login-form" },
    h("button", { type: "button", class: "lang", "data-testid": "lang-switch", onclick: () => switchLang(t("lang.switch") === "English" ? "en" : "zh-CN") }, t("lang.switch")),
    h("h1", {}, t("app.title")),
    h("p", { class: "muted" }, t("login.title")),
    h("label", {}, t("login.user"), user),
    h("label", {}, t("login.password"), pw),
    err, btn);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    err.textContent = "";
    try {
      const api = new Api();
      const r = await api.post<{ token: string }>("/api/v1/auth/login", { user: user.value, password: pw.value });
      sessionStorage.setItem(TOKEN_KEY, r.token);
      await boot(root);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      err.textContent = e instanceof ApiError && e.status === 403 ? t("login.locked", { reason }) : t("login.failed", { reason });
      btn.disabled = false;
    }
  });
  const notice = h("div", { class: "notice", "data-testid": "notice-banner", hidden: true });
  const version = h("div", { class: "muted version" });
  void about().then((a) => { if (a?.version) version.textContent = `${a.name ?? "quanyu"} ${a.version}`; });
  showNotice(notice);
  root.append(notice, form);
  form.append(version);
  user.focus();
}

async function boot(root: HTMLElement): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showLogin(root);
  const api = new Api(token);
  let me: Principal;
  try {
    me = await api.get<Principal>("/api/v1/auth/me");
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    return showLogin(root, e instanceof ApiError && e.status === 401 ? "" : String(e));
  }
  api.onUnauthorized = () => {   // the session ended (logout elsewhere, expiry): back to the login
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  };
  clear(root);
  startApp(root, api, me, {
    logout: async () => {
      try { await api.post("/api/v1/auth/logout"); } catch { /* the session ends here anyway */ }
      sessionStorage.removeItem(TOKEN_KEY);
      location.reload();
    },
    switchLang,
  });
}

initLang();
void boot(document.getElementById("app")!);
