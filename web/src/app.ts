// The command map: header, map and side panels, wired to the API and the live stream.
import { showNotice } from "./about";
import { Api, ApiError } from "./api";
import { AlertQueue, incidentTypeForAlert, nextStates, type Alert } from "./alerts";
import { barChart } from "./chart";
import { clear, h } from "./dom";
import { formatDistance, formatDuration, formatRatio, formatWarning } from "./format";
import { getLang, label, t, type Lang } from "./i18n";
import { MapView } from "./mapview";
import {
  canDispatch, canWriteAlerts, permissionsOf, streamTopics, visibleLayers, visiblePanels,
  type PanelId, type Principal,
} from "./permissions";
import { StreamClient } from "./stream";
import { formatClock, formatTime } from "./time";

interface Unit { id: string; name?: string; kind?: string; kind_label?: string; status?: string; status_label?: string; position?: number[]; home?: number[]; stale?: boolean; eta_s?: number; distance_m?: number; warnings?: string[] }
interface Step { action: string; label?: string; actor?: string; at?: string; note?: string; unit_id?: string }
interface Incident {
  id: string; type: string; type_label?: string; priority: number; state: string; state_label?: string;
  location?: number[]; district?: string; district_name?: string; summary?: string; reported?: string;
  updated?: string; source?: string; source_label?: string; source_ref?: string; timeline?: Step[];
  assignments?: Assignment[];
}
interface Assignment {
  unit_id: string; active?: boolean; eta_s?: number; distance_m?: number; dispatched?: string | null;
  acknowledged?: string | null; en_route?: string | null; arrived?: string | null; cleared?: string | null; cancelled?: boolean;
}
interface KpiGroup { key: string; label?: string; incidents: number; dispatched?: number; call_to_dispatch?: { count: number; median_s?: number }; call_to_arrival?: { count: number; median_s?: number } }

const INCIDENT_TYPES = ["criminal", "public_order", "traffic", "fire", "dispute", "assistance", "other"];

export interface AppHooks { logout: () => void; switchLang: (l: Lang) => void }

export function startApp(root: HTMLElement, api: Api, me: Principal, hooks: AppHooks): void {
  const perms = permissionsOf(me);
  const layers = visibleLayers(perms);
  const panels = visiblePanels(perms);
  const queue = new AlertQueue();
  const units = new Map<string, Unit>();
  const incidents = new Map<string, Incident>();
  let selected: string | null = null;
  let picking = false;
  let picked: [number, number] | null = null;

  // ---- layout
  const streamEl = h("span", { class: "stream", "data-testid": "stream-status" }, t("stream.down"));
  const notice = h("div", { class: "notice", "data-testid": "notice-banner", hidden: true });
  const header = h("header", { class: "top" },
    h("h1", {}, t("app.title")),
    streamEl,
    h("span", { "data-testid": "current-user" }, t("user.as", { user: me.id, role: t(`role.${me.role}`) })),
    h("button", { "data-testid": "lang-switch", onclick: () => hooks.switchLang(getLang() === "en" ? "zh-CN" : "en") }, t("lang.switch")),
    h("button", { "data-testid": "logout", onclick: () => hooks.logout() }, t("logout")));
  const mapEl = h("div", { id: "map", "data-testid": "map" });
  const side = h("aside", { class: "side", "data-testid": "side" });
  root.append(h("div", { class: "shell" }, header, notice, h("div", { class: "main" }, mapEl, side)));

  const view = new MapView(mapEl, layers, root);
  const sections = new Map<PanelId, HTMLElement>();
  for (const p of panels) {
    const body = h("div", { class: "body" });
    const open = p !== "closure" && p !== "kpi" ? true : p === "kpi";
    side.append(h("details", { open, "data-testid": `panel-${p}` }, h("summary", {}, t(`panel.${p}`)), body));
    sections.set(p, body);
  }

  const report = (e: unknown) => console.warn(e);

  showNotice(notice);

  // ---- alerts panel
  const alertList = h("ul", { class: "alerts", "data-testid": "alert-list" });
  const alertMsg = h("div", { class: "err", "data-testid": "alert-error" });
  sections.get("alerts")?.append(alertList, alertMsg);
  const alertWrite = canWriteAlerts(perms);
  const incWrite = canDispatch(perms);

  function renderAlerts(): void {
    if (!sections.has("alerts")) return;
    clear(alertList);
    const entries = queue.list();
    if (entries.length === 0) alertList.append(h("li", { class: "muted", "data-testid": "alerts-empty" }, t("alerts.empty")));
    for (const e of entries.slice(0, 100)) {
      const a = e.alert;
      const acts = h("div", { class: "actions" });
      if (alertWrite) {
        const next = nextStates(a.state);
        if (next.includes("acknowledged")) acts.append(h("button", { "data-testid": "alert-ack", onclick: (ev: Event) => { ev.stopPropagation(); void setAlertState(a, "acknowledged"); } }, t("alerts.ack")));
        if (next.includes("dispatched")) acts.append(h("button", { "data-testid": "alert-dispatch", onclick: (ev: Event) => { ev.stopPropagation(); void setAlertState(a, "dispatched"); } }, t("alerts.dispatch")));
      }
      if (incWrite && a.state !== "closed") acts.append(h("button", { "data-testid": "alert-incident", onclick: (ev: Event) => { ev.stopPropagation(); void incidentFromAlert(a); } }, t("alerts.toIncident")));
      alertList.append(h("li", {
        class: `state-${a.state}${e.fresh ? " fresh" : ""}`, "data-testid": "alert-item", "data-alert-id": a.id, "data-state": a.state,
        onclick: () => { queue.markSeen(a.id); if (typeof a.lng === "number" && typeof a.lat === "number") view.flyTo(a.lng, a.lat); renderAlerts(); drawAlert(a.id); },
      },
        h("div", {},
          h("span", { class: "plate" }, a.plate),
          e.fresh ? h("span", { class: "badge new" }, t("alerts.new")) : null,
          h("span", { class: `badge p${a.priority}` }, t("alerts.priority", { p: a.priority })),
          h("span", { class: "badge" }, label("alerts.type", a.type)),
          h("span", { class: "badge", "data-testid": "alert-state" }, label("alerts.state", a.state))),
        h("div", { class: "muted" }, `#${a.id} · ${a.checkpoint_name ?? a.checkpoint_id ?? ""}${a.ring_name ? " · " + a.ring_name : ""}`),
        h("div", { class: "muted" }, `${formatTime(a.last_seen ?? a.pass_time ?? a.created)}${(a.count ?? 1) > 1 ? " · " + t("alerts.count", { n: a.count ?? 1 }) : ""}`),
        acts));
    }
  }
  function drawAlert(id: number): void {
    const e = queue.get(id);
    if (e) view.upsertAlert(e.alert, e.fresh, (x) => { queue.markSeen(x); renderAlerts(); drawAlert(x); });
  }
  function applyAlert(a: Alert, seq: number, fresh: boolean): void {
    const r = queue.apply(a, { seq, fresh });
    if (r === "ignored") return;
    renderAlerts();
    drawAlert(a.id);
    if (r === "added" && view.count("alerts") > queue.size) view.pruneAlerts(new Set(queue.list().map((e) => e.alert.id)));
  }
  async function setAlertState(a: Alert, state: string): Promise<void> {
    alertMsg.textContent = "";
    try {
      const r = await api.patch<Alert>(`/api/v1/alerts/${a.id}`, { state });
      applyAlert(r, 0, false);
    } catch (e) { alertMsg.textContent = t("error.generic", { reason: (e as Error).message }); }
  }
  async function incidentFromAlert(a: Alert): Promise<void> {
    alertMsg.textContent = "";
    try {
      const inc = await api.post<Incident>("/api/v1/incidents", {
        type: incidentTypeForAlert(a), priority: Math.min(4, Math.max(1, a.priority || 3)), source: "alert",
        source_ref: String(a.id), summary: `${label("alerts.type", a.type)} ${a.plate} @ ${a.checkpoint_name ?? a.checkpoint_id ?? ""}`,
      });
      upsertIncident(inc);
      void selectIncident(inc.id);
    } catch (e) { alertMsg.textContent = t("error.generic", { reason: (e as Error).message }); }
  }

  // ---- incident panel
  const incSelect = h("select", { "data-testid": "incident-select", onchange: () => void selectIncident(incSelect.value || null) });
  const incBody = h("div", { "data-testid": "incident-detail" }, h("div", { class: "muted" }, t("incident.none")));
  sections.get("incident")?.append(incSelect, incBody);

  function renderIncidentOptions(): void {
    if (!sections.has("incident")) return;
    clear(incSelect);
    incSelect.append(h("option", { value: "" }, `— ${t("panel.incidents")} (${incidents.size}) —`));
    const list = [...incidents.values()].sort((a, b) => (b.reported ?? "").localeCompare(a.reported ?? "") || b.id.localeCompare(a.id));
    for (const i of list) {
      incSelect.append(h("option", { value: i.id, selected: i.id === selected },
        `${i.id} · ${label("type", i.type, i.type_label)} · ${label("istate", i.state, i.state_label)}`));
    }
  }
  function upsertIncident(i: Incident): void {
    const old = incidents.get(i.id);
    if (old && old.updated && i.updated && old.updated > i.updated) return;
    incidents.set(i.id, i);
    view.upsertIncident(i, i.id === selected, (id) => void selectIncident(id));
    renderIncidentOptions();
    if (i.id === selected) renderIncident(i, false);
    scheduleKpi();
  }
  let recBody: HTMLElement | null = null;
  function renderIncident(i: Incident, withRecommend: boolean): void {
    clear(incBody);
    const timeline = h("ol", { class: "timeline", "data-testid": "incident-timeline" });
    for (const s of i.timeline ?? []) {
      timeline.append(h("li", { class: `act-${s.action}`, "data-testid": "timeline-step", "data-action": s.action },
        h("b", {}, label("step", s.action, s.label)), " ", s.unit_id ? `${s.unit_id} ` : "", h("span", { class: "muted" }, `${formatClock(s.at)} · ${s.actor ?? ""}`),
        s.note ? h("div", { class: "muted" }, s.note) : null));
    }
    incBody.append(
      h("div", { class: "kv", "data-testid": "incident-info", "data-incident-id": i.id, "data-state": i.state },
        h("span", {}, "ID"), h("b", {}, i.id),
        h("span", {}, t("incident.type")), h("span", {}, `${label("type", i.type, i.type_label)} · ${t("alerts.priority", { p: i.priority })}`),
        h("span", {}, t("incident.state")), h("span", { "data-testid": "incident-state" }, label("istate", i.state, i.state_label)),
        h("span", {}, t("incident.reported")), h("span", {}, formatTime(i.reported)),
        h("span", {}, t("incident.district")), h("span", {}, i.district_name ?? i.district ?? "—"),
        h("span", {}, t("incident.source")), h("span", {}, `${label("source", i.source ?? "", i.source_label)}${i.source_ref ? " " + i.source_ref : ""}`),
        h("span", {}, t("incident.summary")), h("span", {}, i.summary ?? "")),
      h("h4", {}, `${t("incident.timeline")} `, h("span", { class: "muted" }, t("time.zone"))), timeline);
    const active = (i.assignments ?? []).filter((a) => a.active);
    if (active.length) {
      const table = h("table", { "data-testid": "assignments" });
      for (const a of active) {
        const u = units.get(a.unit_id);
        const acts = h("td", {});
        if (incWrite) {
          const step = (action: string) => h("button", { "data-testid": `step-${action}`, onclick: (ev: Event) => void recordStep(i, action, a.unit_id, ev.target as HTMLButtonElement) }, t(`step.${action}`));
          if (!a.arrived) acts.append(step("arrived"), " ", step("cancelled"));
          else if (!a.cleared) acts.append(step("cleared"));
        }
        table.append(h("tr", { "data-testid": "assignment-row", "data-unit-id": a.unit_id },
          h("td", {}, h("b", {}, u?.name ?? a.unit_id), h("div", { class: "muted" }, u ? label("unit.status", u.status ?? "", u.status_label) : "")),
          h("td", {}, t("incident.eta", { eta: formatDuration(a.eta_s) })), acts));
      }
      incBody.append(h("h4", {}, t("incident.assigned")), table);
    }
    if (incWrite && i.state !== "closed") {
      incBody.append(h("div", { class: "actions" },
        h("button", { "data-testid": "step-closed", onclick: (ev: Event) => void recordStep(i, "closed", undefined, ev.target as HTMLButtonElement) }, t("step.closed"))));
    }
    if (incWrite && i.state !== "closed") {
      if (!recBody || withRecommend) recBody = h("div", { "data-testid": "recommend-list" }, h("div", { class: "muted" }, "…"));
      incBody.append(h("h4", {}, t("incident.recommend")), recBody);
      if (withRecommend) void loadRecommend(i);
    }
  }
  async function selectIncident(id: string | null): Promise<void> {
    const prev = selected;
    selected = id;
    if (prev && incidents.has(prev)) view.upsertIncident(incidents.get(prev)!, false, (x) => void selectIncident(x));
    renderIncidentOptions();
    if (!id) { clear(incBody); incBody.append(h("div", { class: "muted" }, t("incident.none"))); return; }
    const d = sections.get("incident")?.parentElement as HTMLDetailsElement | undefined;
    if (d) d.open = true;
    try {
      const i = await api.get<Incident>(`/api/v1/incidents/${encodeURIComponent(id)}`);
      incidents.set(i.id, i);
      view.upsertIncident(i, true, (x) => void selectIncident(x));
      renderIncidentOptions();
      renderIncident(i, true);
      if (i.location) view.flyTo(i.location[0], i.location[1]);
    } catch (e) { clear(incBody); incBody.append(h("div", { class: "err" }, t("error.generic", { reason: (e as Error).message }))); }
  }
  async function loadRecommend(i: Incident): Promise<void> {
    const body = recBody!;
    try {
      const r = await api.post<{ units: Unit[] }>("/api/v1/dispatch/recommend", { incident_id: i.id, k: 5 });
      clear(body);
      if (!r.units?.length) { body.append(h("div", { class: "muted", "data-testid": "recommend-empty" }, t("incident.recommend.empty"))); return; }
      const table = h("table", {}, h("tr", {}, h("th", {}, t("col.unit")), h("th", {}, t("col.eta")), h("th", {}, t("col.distance")), h("th", {}, t("col.warnings")), h("th", {})));
      r.units.forEach((u, idx) => {
        table.append(h("tr", { "data-testid": "recommend-row", "data-unit-id": u.id, "data-rank": idx + 1 },
          h("td", {}, h("b", {}, u.name ?? u.id), h("div", { class: "muted" }, `${label("kind", u.kind ?? "", u.kind_label)} · ${u.id}`)),
          h("td", { "data-testid": "recommend-eta", "data-eta-s": u.eta_s ?? "" }, formatDuration(u.eta_s)),
          h("td", {}, formatDistance(u.distance_m)),
          h("td", { class: "muted" }, (u.warnings ?? []).map((w) => formatWarning(w)).join("；")),
          h("td", {}, h("button", { class: "primary", "data-testid": "recommend-dispatch", onclick: (ev: Event) => void dispatchUnit(i, u, ev.target as HTMLButtonElement) }, t("incident.dispatch")))));
      });
      body.append(table);
    } catch (e) {
      clear(body);
      body.append(h("div", { class: "err", "data-testid": "recommend-error" }, t("error.generic", { reason: (e as Error).message })));
    }
  }
  async function recordStep(i: Incident, action: string, unitId: string | undefined, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      const r = await api.post<Incident>(`/api/v1/incidents/${encodeURIComponent(i.id)}/steps`, unitId ? { action, unit_id: unitId } : { action });
      incidents.set(r.id, r);
      view.upsertIncident(r, r.id === selected, (x) => void selectIncident(x));
      renderIncidentOptions();
      renderIncident(r, true);
      scheduleKpi();
    } catch (e) {
      btn.disabled = false;
      incBody.append(h("div", { class: "err", "data-testid": "step-error" }, t("error.generic", { reason: (e as Error).message })));
    }
  }
  async function dispatchUnit(i: Incident, u: Unit, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      const r = await api.post<Incident>(`/api/v1/incidents/${encodeURIComponent(i.id)}/dispatch`, { unit_id: u.id });
      incidents.set(r.id, r);
      view.upsertIncident(r, true, (x) => void selectIncident(x));
      renderIncidentOptions();
      renderIncident(r, true);
    } catch (e) {
      btn.disabled = false;
      recBody?.append(h("div", { class: "err", "data-testid": "dispatch-error" }, t("error.generic", { reason: (e as Error).message })));
    }
  }

  // ---- new incident panel
  const newSec = sections.get("newIncident");
  if (newSec) {
    const type = h("select", { "data-testid": "new-incident-type" }, ...INCIDENT_TYPES.map((x) => h("option", { value: x }, t(`type.${x}`))));
    const prio = h("select", { "data-testid": "new-incident-priority" }, ...[1, 2, 3, 4].map((p) => h("option", { value: p, selected: p === 2 }, t("alerts.priority", { p }))));
    const summary = h("textarea", { "data-testid": "new-incident-summary" });
    const where = h("div", { class: "muted", "data-testid": "new-incident-location" }, t("incident.pickLocation"));
    const msg = h("div", { "data-testid": "new-incident-message" });
    const pick = h("button", { type: "button", "data-testid": "new-incident-pick", onclick: () => { picking = !picking; mapEl.classList.toggle("picking", picking); } }, t("incident.location"));
    const submit = h("button", { type: "submit", class: "primary", "data-testid": "new-incident-submit" }, t("incident.create"));
    const form = h("form", { class: "form" },
      h("label", {}, t("incident.type"), " ", type, " ", t("incident.priority"), " ", prio),
      h("div", {}, pick, " ", where),
      h("label", {}, t("incident.summary"), summary), submit, msg);
    view.map.on("click", (ev) => {
      if (!picking) return;
      picked = [Number(ev.latlng.lng.toFixed(6)), Number(ev.latlng.lat.toFixed(6))];
      picking = false;
      mapEl.classList.remove("picking");
      view.setPick(picked);
      where.textContent = t("incident.locationPicked", { lng: picked[0], lat: picked[1] });
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      msg.className = "";
      if (!picked) { msg.className = "err"; msg.textContent = t("incident.needLocation"); return; }
      submit.disabled = true;
      try {
        const inc = await api.post<Incident>("/api/v1/incidents", {
          type: type.value, priority: Number(prio.value), source: "manual", location: picked, summary: summary.value,
        });
        msg.className = "msg";
        msg.textContent = t("incident.created", { id: inc.id });
        picked = null; view.setPick(null); summary.value = "";
        where.textContent = t("incident.pickLocation");
        upsertIncident(inc);
        void selectIncident(inc.id);
      } catch (e) { msg.className = "err"; msg.textContent = t("error.generic", { reason: (e as Error).message }); }
      submit.disabled = false;
    });
    newSec.append(form);
  }

  // ---- KPI panel
  const kpiSec = sections.get("kpi");
  let kpiTimer: ReturnType<typeof setTimeout> | null = null;
  function scheduleKpi(): void {
    if (!kpiSec || kpiTimer) return;
    kpiTimer = setTimeout(() => { kpiTimer = null; void loadKpi(); }, 3000);
  }
  async function loadKpi(): Promise<void> {
    if (!kpiSec) return;
    const [byType, byDistrict] = await Promise.all([
      api.get<{ groups: KpiGroup[] }>("/api/v1/kpi/response?group_by=type"),
      api.get<{ groups: KpiGroup[] }>("/api/v1/kpi/response?group_by=district"),
    ]);
    clear(kpiSec);
    const block = (title: string, groups: KpiGroup[], testid: string, labelOf: (g: KpiGroup) => string) => {
      kpiSec.append(h("h4", {}, title));
      if (!groups.length) { kpiSec.append(h("div", { class: "muted" }, t("kpi.empty"))); return; }
      kpiSec.append(h("div", { class: "muted" }, t("kpi.incidents")),
        barChart(groups.map((g) => ({ label: labelOf(g), value: g.incidents })), { testid, width: 400 }),
        h("div", { class: "muted" }, t("kpi.callToDispatch")),
        barChart(groups.map((g) => ({ label: labelOf(g), value: g.call_to_dispatch?.median_s ?? null })), { testid: `${testid}-dispatch`, width: 400, color: "#d7301f", format: (v) => formatDuration(v) }),
        h("div", { class: "muted" }, t("kpi.callToArrival")),
        barChart(groups.map((g) => ({ label: labelOf(g), value: g.call_to_arrival?.median_s ?? null })), { testid: `${testid}-arrival`, width: 400, color: "#7b3294", format: (v) => formatDuration(v) }));
    };
    block(t("kpi.byType"), byType.groups ?? [], "kpi-chart-type", (g) => label("type", g.key, g.label));
    block(t("kpi.byDistrict"), byDistrict.groups ?? [], "kpi-chart-district", (g) => g.label ?? g.key);
  }

  // ---- closure panel (and the closure gaps layer)
  const closureSec = sections.get("closure");
  async function loadClosure(rings: { id: string; level?: string; name?: string }[]): Promise<void> {
    if (!closureSec && !view.has("closureGaps")) return;
    const candidates = rings.filter((r) => r.level !== "province");
    const rows: Record<string, unknown>[] = [];
    let next = 0;
    const worker = async () => {
      while (next < candidates.length) {
        const r = candidates[next++];
        try {
          const c = await api.get<Record<string, unknown>>(`/api/v1/rings/${encodeURIComponent(r.id)}/closure`);
          rows.push(c);
          const gaps = c.gaps as { type: "FeatureCollection"; features: GeoJSON.Feature[] } | undefined;
          if (gaps?.features) view.addClosureGaps(gaps);
        } catch (e) {
          if (!(e instanceof ApiError && (e.status === 404 || e.status === 409))) report(e);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    if (!closureSec) return;
    clear(closureSec);
    if (!rows.length) { closureSec.append(h("div", { class: "muted", "data-testid": "closure-empty" }, t("closure.none"))); return; }
    rows.sort((a, b) => String(a.ring_id).localeCompare(String(b.ring_id)));
    const table = h("table", { "data-testid": "closure-table" }, h("tr", {},
      ...["col.ring", "col.crossings", "col.directions", "col.covered", "col.ratio", "col.weighted", "col.gaps"].map((k) => h("th", {}, t(k)))));
    for (const c of rows) {
      // A ring that no road crosses has ratios of 1: said in words, not as 100 % (docs/closure.md).
      const none = !c.directions;
      table.append(h("tr", { "data-testid": "closure-row", "data-ring-id": String(c.ring_id), class: none ? "muted" : null },
        h("td", {}, `${c.ring_name ?? ""} ${c.ring_id}`), h("td", {}, String(c.crossings)), h("td", {}, String(c.directions)),
        h("td", {}, String(c.covered)),
        none ? h("td", { colspan: 3 }, t("closure.noCrossing")) : null,
        none ? null : h("td", {}, formatRatio(c.ratio as number)),
        none ? null : h("td", {}, formatRatio(c.weighted_ratio as number)),
        none ? null : h("td", {}, String(c.uncovered))));
    }
    closureSec.append(table);
  }

  // ---- initial loads, each only with its permission
  const points: [number, number][] = [];        // checkpoints and units: what the view fits
  const placePoints: [number, number][] = [];   // places, if there is nothing else
  const loads: Promise<unknown>[] = [];
  if (view.has("basemap")) {
    // 404: a server without the route; 409: no road network imported; 503: still being built.
    const loadBasemap = (attempt: number): Promise<void> =>
      api.get<{ type: string; features: GeoJSON.Feature[] }>("/api/v1/basemap")
        .then((fc) => { if (fc && Array.isArray(fc.features)) view.setBasemap(fc as { type: "FeatureCollection"; features: GeoJSON.Feature[] }); })
        .catch((e) => {
          if (e instanceof ApiError && e.status === 503 && attempt < 20) {
            return new Promise<void>((r) => setTimeout(r, 1500)).then(() => loadBasemap(attempt + 1));
          }
          if (!(e instanceof ApiError && (e.status === 404 || e.status === 409 || e.status === 503))) report(e);
        });
    void loadBasemap(0);
  }
  if (view.has("rings")) {
    loads.push(api.get<{ type: "FeatureCollection"; features: GeoJSON.Feature[] }>("/api/v1/rings?geometry=true").then((fc) => {
      view.setRings(fc);
      const rings = fc.features.map((f) => ({ id: String(f.properties?.id ?? f.id), level: f.properties?.level as string, name: f.properties?.name as string }));
      void loadClosure(rings).catch(report);
    }).catch(report));
  }
  if (view.has("checkpoints")) {
    loads.push((async () => {
      const all: { id: string; lng: number; lat: number; status?: string; name?: string }[] = [];
      let after = "";
      for (let page = 0; page < 20; page++) {
        const r = await api.get<{ items: typeof all; next_after?: string | null }>(`/api/v1/checkpoints?limit=10000${after ? "&after=" + encodeURIComponent(after) : ""}`);
        all.push(...r.items);
        if (!r.next_after || r.items.length === 0) break;
        after = r.next_after;
      }
      view.setCheckpoints(all);
      for (const c of all) points.push([c.lng, c.lat]);
    })().catch(report));
  }
  if (view.has("places")) {
    loads.push(api.get<{ places: { id: string; name: string; lng: number; lat: number }[] }>("/api/v1/places").then((r) => {
      view.setPlaces(r.places ?? []);
      for (const p of r.places ?? []) placePoints.push([p.lng, p.lat]);
    }).catch(report));
  }
  if (view.has("reach")) {
    api.get<{ areas?: { type: "FeatureCollection"; features: GeoJSON.Feature[] }; gap_places?: { type: "FeatureCollection"; features: GeoJSON.Feature[] } }>("/api/v1/reach?minutes=1,3,5")
      .then((r) => view.setReach(r.areas, r.gap_places))
      .catch((e) => { if (!(e instanceof ApiError && (e.status === 409 || e.status === 503))) report(e); });
  }
  if (view.has("units")) {
    loads.push(api.get<{ units: Unit[] }>("/api/v1/units").then((r) => {
      for (const u of r.units ?? []) { units.set(u.id, u); view.upsertUnit(u); const p = u.position ?? u.home; if (p) points.push([p[0], p[1]]); }
    }).catch(report));
  }
  if (perms.has("incident.read")) {
    loads.push(api.get<{ incidents: Incident[] }>("/api/v1/incidents?limit=200").then((r) => {
      for (const i of r.incidents ?? []) upsertIncident(i);
    }).catch(report));
    void loadKpi().catch(report);
  }
  if (perms.has("alert.read")) {
    loads.push(api.get<{ items: Alert[] }>("/api/v1/alerts?limit=200").then((r) => {
      for (const a of r.items ?? []) applyAlert(a, 0, false);
      renderAlerts();
    }).catch(report));
  }
  renderAlerts();
  renderIncidentOptions();
  void Promise.allSettled(loads).then(() => {
    view.fitTo(points.length ? points : placePoints);
    root.setAttribute("data-loaded", "true");
  });

  // ---- live stream
  const topics = streamTopics(perms);
  if (topics.length) {
    const client = new StreamClient({
      origin: location.origin, token: api.token!, topics,
      lastAlertId: () => queue.lastId,
      onState: (live) => { streamEl.textContent = t(live ? "stream.live" : "stream.down"); streamEl.classList.toggle("live", live); streamEl.setAttribute("data-live", String(live)); },
      handlers: {
        alert: (a, event, seq) => applyAlert(a as unknown as Alert, seq, event === "raised"),
        unit: (u) => { const unit = u as unknown as Unit; units.set(unit.id, unit); view.upsertUnit(unit); },
        incident: (i) => upsertIncident(i as unknown as Incident),
      },
    });
    client.start();
    window.addEventListener("beforeunload", () => client.stop());
  } else {
    streamEl.hidden = true;
  }
}
