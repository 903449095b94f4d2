#!/usr/bin/env node
// End-to-end test of the command map: a real quanyu server on a fresh data directory, the built
// web app (web/dist) and headless Chromium. Usage:
//   node e2e/command_map.mjs --bin PATH_TO_quanyu --repo REPO_ROOT --out OUT_DIR
//     [--chromium /usr/bin/chromium] [--keep]
// Prints a line per step; exits non-zero with the failing step's message; always stops the server.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const args = parseArgs(process.argv.slice(2));
const BIN = path.resolve(need(args.bin, "--bin PATH_TO_quanyu"));
const REPO = path.resolve(need(args.repo, "--repo REPO_ROOT"));
const OUT = path.resolve(need(args.out, "--out OUT_DIR"));
const CHROMIUM = args.chromium ?? process.env.CHROMIUM ?? "/usr/bin/chromium";
const DIST = path.resolve(args.web ?? path.join(REPO, "web", "dist"));
const PLATE = "川A9E2E1";
const T0 = Date.now();

let server = null, browser = null, tmp = null;
let step = 0;

function parseArgs(a) {
  const o = {};
  for (let i = 0; i < a.length; i++) {
    if (!a[i].startsWith("--")) continue;
    const k = a[i].slice(2);
    if (i + 1 < a.length && !a[i + 1].startsWith("--")) o[k] = a[++i]; else o[k] = true;
  }
  return o;
}
function need(v, what) {
  if (!v || v === true) { console.error(`usage: node e2e/command_map.mjs --bin PATH --repo REPO --out DIR (missing ${what})`); process.exit(2); }
  return v;
}
function log(msg) { console.log(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${msg}`); }
class StepError extends Error {}
function check(cond, msg) { if (!cond) throw new StepError(msg); }
async function shot(page, name) {
  const file = path.join(OUT, name);
  const vp = page.viewportSize();
  if (vp) await page.mouse.move(vp.width - 5, vp.height - 5);   // off the map: no hover tooltip
  await page.waitForTimeout(300);   // let map animations (zoom, pan) finish
  await page.screenshot({ path: file });
  log(`  screenshot ${file}`);
}
function cli(...a) {
  return execFileSync(BIN, a, { cwd: REPO, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...(a.__input ? {} : {}) });
}
function cliStdin(input, ...a) {
  return execFileSync(BIN, a, { cwd: REPO, input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}
async function api(base, method, p, token, body, headers = {}) {
  const res = await fetch(base + p, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: res.status, json };
}
async function login(base, body) {
  const r = await api(base, "POST", "/api/v1/auth/login", null, body);
  check(r.status === 200 && r.json?.token, `login ${JSON.stringify(body.user ?? body.device)} failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token;
}
function shanghaiStamp(d = new Date()) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const done = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  const timer = setTimeout(() => server.kill("SIGKILL"), 3000);
  await done;
  clearTimeout(timer);
}

async function main() {
  check(fs.existsSync(BIN), `no quanyu binary at ${BIN}`);
  check(fs.existsSync(path.join(DIST, "index.html")), `no built web app at ${DIST} (run npm run build in web/)`);
  check(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or --chromium PATH)`);
  fs.mkdirSync(OUT, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "quanyu-e2e-"));
  const D = path.join(tmp, "data");

  log(`step ${++step}: data directory ${D}: rings, checkpoints, roads, places, closure`);
  cli("import", "rings", "data/boundaries/datav_510000_sichuan_outline.json", "--crs", "gcj02", "--level", "province", "--data", D);
  cli("import", "rings", "data/boundaries/datav_510000_full.json", "--crs", "gcj02", "--level", "city", "--data", D);
  cli("import", "rings", "data/boundaries/datav_510100_full.json", "--crs", "gcj02", "--level", "county", "--data", D);
  cli("import", "checkpoints", "data/checkpoints/chengdu_demo.geojson", "--data", D);
  cli("import", "osm", "data/osm/chengdu_central.osm.pbf", "--data", D);
  cli("import", "places", "data/osm/chengdu_central.osm.pbf", "--data", D);
  cli("closure", "--osm", "data/osm/chengdu_central.osm.pbf", "--data", D, "--save");

  log(`step ${++step}: accounts (administrator, operator, device) and an alert list with ${PLATE}`);
  const pw = { admin: "e2e-admin-pw-1", op: "e2e-duty-pw-1", an: "e2e-analyst-pw-1", dev: "e2e-device-secret-1" };
  cliStdin(pw.admin + "\n", "admin", "init", "--data", D, "--agency-name", "成都市公安局 (e2e)", "--password-stdin");
  cliStdin(pw.op + "\n", "admin", "user", "add", "duty", "--role", "operator", "--agency", "bureau", "--name", "E2E duty officer", "--data", D, "--password-stdin");
  cliStdin(pw.an + "\n", "admin", "user", "add", "ann", "--role", "analyst", "--agency", "bureau", "--name", "E2E analyst", "--data", D, "--password-stdin");
  cliStdin(pw.dev + "\n", "admin", "device", "add", "e2e-feed", "--agency", "bureau", "--allow", "*", "--name", "E2E feed", "--data", D, "--password-stdin");
  const from = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  const until = new Date(Date.now() + 7 * 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
  const csv = path.join(tmp, "list.csv");
  fs.writeFileSync(csv, "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,note\n" +
    `${PLATE},exact,stolen_vehicle,1,E2E-2026-01,成都市公安局 (e2e),值班领导 (e2e),${from},${until},simulated\n`);
  cli("import", "alert-list", csv, "--list", "e2e", "--agency", "bureau", "--data", D);

  const port = await freePort();
  const NOTICE = "E2E：交通流量与报警均为模拟数据";
  const serveArgs = ["serve", "--data", D, "--listen", `127.0.0.1:${port}`, "--web", DIST, "--notice", NOTICE];
  log(`step ${++step}: ${path.basename(BIN)} ${serveArgs.join(" ")}`);
  const serverLog = fs.openSync(path.join(OUT, "server.log"), "w");
  server = spawn(BIN, serveArgs, { cwd: REPO, stdio: ["ignore", serverLog, serverLog] });
  const api0 = `http://127.0.0.1:${port}`;
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    if (server.exitCode !== null) throw new StepError(`server exited with ${server.exitCode} (see ${OUT}/server.log)`);
    try { up = (await fetch(api0 + "/healthz")).ok; } catch { /* not yet */ }
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  check(up, "server did not answer /healthz within 10 s");
  const base = api0;

  log(`step ${++step}: units at police stations, with position fixes`);
  const adminTok = await login(base, { user: "admin", password: pw.admin });
  const opTok = await login(base, { user: "duty", password: pw.op });
  const devTok = await login(base, { device: "e2e-feed", secret: pw.dev });
  const pl = await api(base, "GET", "/api/v1/places?category=police", adminTok);
  check(pl.status === 200, `GET /api/v1/places: ${pl.status}`);
  let stations = pl.json.places ?? [];
  if (stations.length < 3) stations = stations.concat(((await api(base, "GET", "/api/v1/places", adminTok)).json.places ?? []).slice(0, 4));
  check(stations.length >= 2, "fewer than 2 places to put units at");
  const fixes = [];
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  for (const [i, p] of stations.slice(0, 4).entries()) {
    let r = await api(base, "PUT", `/api/v1/units/ws-${i}`, adminTok, { name: `${p.name} 警务站`, kind: "workstation", agency: "bureau", home: [p.lng, p.lat] });
    check(r.status === 200 || r.status === 201, `PUT unit ws-${i}: ${r.status} ${JSON.stringify(r.json)}`);
    r = await api(base, "PUT", `/api/v1/units/car-${i}`, adminTok, { name: `巡逻车 ${i} (e2e)`, kind: "patrol_car", agency: "bureau", home: [p.lng, p.lat] });
    check(r.status === 200 || r.status === 201, `PUT unit car-${i}: ${r.status} ${JSON.stringify(r.json)}`);
    fixes.push({ unit_id: `car-${i}`, time: now, position: [p.lng + 0.003 * (i % 2 ? 1 : -1), p.lat + 0.002] });
  }
  const fx = await api(base, "POST", "/api/v1/units/positions", opTok, { fixes });
  check(fx.status === 200, `POST positions: ${fx.status} ${JSON.stringify(fx.json)}`);
  const cps = (await api(base, "GET", "/api/v1/checkpoints?status=active&limit=5", opTok)).json.items;
  check(cps?.length > 0, "no active checkpoint");
  const cp = cps[0];

  log(`step ${++step}: browser: log in as the operator`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN", timezoneId: "UTC" });
  const pageErrors = [], refused = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  // The app must never call an endpoint its role lacks: no answer may be a 403.
  page.on("response", (r) => { if (r.status() === 403) refused.push(`${r.request().method()} ${r.url()}`); });
  await page.goto(base + "/", { waitUntil: "load" });
  await page.getByTestId("login-user").fill("duty");
  await page.getByTestId("login-password").fill(pw.op);
  if (serveArgs.includes("--notice")) {
    await page.getByTestId("notice-banner").waitFor({ timeout: 3000 }).catch(() => { throw new StepError("no notice banner on the login screen"); });
  }
  await shot(page, "01-login.png");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("map").waitFor({ timeout: 10000 });
  check((await page.getByTestId("current-user").textContent()).includes("duty"), "the header does not name the operator");

  log(`step ${++step}: the map renders its layers`);
  await page.waitForSelector("#app[data-loaded=true]", { timeout: 15000 });
  const ringPaths = await page.locator("path.qy-ring").count();
  const stats = JSON.parse(await page.getByTestId("map-stats").textContent());
  log(`  ring paths ${ringPaths}; layer counts ${JSON.stringify(stats)}`);
  check(ringPaths >= 20, `expected ring paths on the map, found ${ringPaths}`);
  check(stats.checkpoints >= 20, `expected checkpoint markers, found ${stats.checkpoints}`);
  check(stats.units >= 4, `expected unit markers, found ${stats.units}`);
  check(stats.places > 0, `expected place markers, found ${stats.places}`);
  const bm = await api(base, "GET", "/api/v1/basemap", opTok);
  if (bm.status === 200) {
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=map-stats]")?.getAttribute("data-basemap") ?? 0) > 0, null, { timeout: 10000 })
      .catch(() => { throw new StepError("the server has a basemap but the map draws none"); });
    log(`  basemap: ${bm.json.features.length} features from GET /api/v1/basemap drawn`);
  } else {
    log(`  no basemap (GET /api/v1/basemap: ${bm.status}): layer skipped`);
  }
  check(await page.locator(".leaflet-control-layers-overlays label").count() >= 8, "the layer control lists too few layers");
  await page.waitForSelector("[data-testid=stream-status][data-live=true]", { timeout: 5000 });
  await shot(page, "02-map.png");

  log(`step ${++step}: the device posts a passage of ${PLATE} at ${cp.id}; the alert must appear within 1 s`);
  await page.evaluate((plate) => {
    window.__alertSeen = null;
    const list = document.querySelector("[data-testid=alert-list]");
    const obs = new MutationObserver(() => {
      if (window.__alertSeen) return;
      for (const li of list.querySelectorAll("[data-testid=alert-item]")) {
        if (li.textContent.includes(plate)) { window.__alertSeen = Date.now(); obs.disconnect(); return; }
      }
    });
    obs.observe(list, { childList: true, subtree: true, characterData: true });
  }, PLATE);
  const posted = Date.now();
  const pr = await api(base, "POST", "/VIID/MotorVehicles", devTok, JSON.stringify({
    MotorVehicleListObject: { MotorVehicleObject: [{ MotorVehicleID: "E2E-1", DeviceID: "e2e-feed", TollgateID: cp.id, PassTime: shanghaiStamp(), PlateNo: PLATE, PlateColor: "2" }] },
  }), { "Content-Type": "application/VIID+JSON" });
  const answered = Date.now();
  check(pr.status === 200 && pr.json?.ResponseStatusListObject?.ResponseStatusObject?.[0]?.StatusCode === "0", `passage refused: ${pr.status} ${JSON.stringify(pr.json)}`);
  const item = page.locator(`[data-testid=alert-item]`, { hasText: PLATE });
  await item.first().waitFor({ timeout: 3000 }).catch(() => { throw new StepError(`no alert for ${PLATE} in the alert panel within 3 s`); });
  const seen = await page.evaluate(() => window.__alertSeen);
  const ms = seen - posted;
  log(`  alert shown ${ms} ms after the POST started (server answered after ${answered - posted} ms)`);
  check(ms <= 1000, `the alert took ${ms} ms to appear (limit 1000 ms)`);
  const alertId = Number(await item.first().getAttribute("data-alert-id"));
  check(await item.first().getAttribute("data-state") === "new", "the alert is not new");
  check(await item.first().evaluate((el) => el.classList.contains("fresh")), "the new alert is not highlighted");
  check(await page.locator(`[data-testid=alert-marker][data-alert-id="${alertId}"]`).count() === 1, "no marker for the alert on the map");
  await shot(page, "03-alert.png");

  log(`step ${++step}: acknowledge alert #${alertId}`);
  await item.first().getByTestId("alert-ack").click();
  await page.waitForSelector(`[data-testid=alert-item][data-alert-id="${alertId}"][data-state=acknowledged]`, { timeout: 5000 });
  const ga = await api(base, "GET", `/api/v1/alerts/${alertId}`, opTok);
  check(ga.status === 200 && ga.json.state === "acknowledged", `API says the alert is ${ga.json?.state}`);
  check(ga.json.history?.some((x) => x.state === "acknowledged" && String(x.actor).includes("duty")), "the acknowledgement is not attributed to the operator");
  log(`  state acknowledged (API agrees, by ${ga.json.history.at(-1).actor})`);
  await shot(page, "04-acknowledged.png");

  log(`step ${++step}: create an incident by hand (type, priority, location clicked on the map, summary)`);
  await page.getByTestId("new-incident-type").selectOption("public_order");
  await page.getByTestId("new-incident-priority").selectOption("1");
  await page.getByTestId("new-incident-pick").click();
  // A point near the road network, clear of the checkpoint's alert marker: ~300 m from it, in screen pixels.
  const mapBox = await page.getByTestId("map").boundingBox();
  // Centred first, so that no control or legend lies over it whatever the screen size.
  const px = await page.evaluate(([lng, lat]) => {
    const m = window.__qyMap;
    m.setView([lat, lng], 15, { animate: false });
    const p = m.latLngToContainerPoint([lat, lng]);
    return [p.x, p.y];
  }, [cp.lng + 0.0025, cp.lat + 0.0012]);
  await page.mouse.click(mapBox.x + px[0], mapBox.y + px[1]);
  await page.getByTestId("pick-marker").waitFor({ timeout: 3000 });
  await page.getByTestId("new-incident-summary").fill("E2E: 群众报称路口发生纠纷（模拟）");
  await page.getByTestId("new-incident-submit").click();
  await page.waitForFunction(() => /INC\d+-\d+/.test(document.querySelector("[data-testid=new-incident-message]")?.textContent ?? ""), null, { timeout: 5000 });
  const incId = (await page.getByTestId("new-incident-message").textContent()).match(/INC\d+-\d+/)[0];
  await page.waitForSelector(`[data-testid=incident-info][data-incident-id="${incId}"]`, { timeout: 5000 });
  log(`  incident ${incId} created and shown`);

  log(`step ${++step}: the recommendation list (rows with ETA)`);
  await page.waitForSelector("[data-testid=recommend-row]", { timeout: 10000 });
  const rows = page.getByTestId("recommend-row");
  const n = await rows.count();
  const topUnit = await rows.first().getAttribute("data-unit-id");
  const etaText = await rows.first().getByTestId("recommend-eta").textContent();
  const etaS = Number(await rows.first().getByTestId("recommend-eta").getAttribute("data-eta-s"));
  log(`  ${n} units recommended; top: ${topUnit}, ETA ${etaText} (${etaS} s)`);
  check(n >= 1 && etaS > 0 && /秒|分/.test(etaText), `bad recommendation list: ${n} rows, ETA "${etaText}"`);
  await shot(page, "05-recommend.png");

  log(`step ${++step}: dispatch the top unit ${topUnit}`);
  const before = await page.locator("[data-testid=timeline-step]").count();
  await rows.first().getByTestId("recommend-dispatch").click();
  await page.waitForSelector(`[data-testid=timeline-step][data-action=dispatched]`, { timeout: 5000 });
  const after = await page.locator("[data-testid=timeline-step]").count();
  check(after === before + 1, `timeline has ${after} steps, expected ${before + 1}`);
  const gi = await api(base, "GET", `/api/v1/incidents/${incId}`, opTok);
  check(gi.json.assignments?.some((a) => a.unit_id === topUnit && a.active), `the API shows no active assignment of ${topUnit}`);
  log(`  timeline gained the dispatch step (${before} → ${after} steps); incident state ${gi.json.state}`);
  const unitMarker = (id) => page.evaluate((id) => {
    let out = null;
    window.__qyMap.eachLayer((l) => {
      const tt = l.getTooltip?.();
      if (tt && l.getLatLng && l.options.fillColor && String(tt.getContent()).includes(`(${id})`)) {
        const p = l.getLatLng(); out = { color: l.options.fillColor, lat: p.lat, lng: p.lng };
      }
    });
    return out;
  }, id);
  await page.waitForFunction((id) => {
    let ok = false;
    window.__qyMap.eachLayer((l) => { const tt = l.getTooltip?.(); if (tt && l.options.fillColor === "#d73027" && String(tt.getContent()).includes(`(${id})`)) ok = true; });
    return ok;
  }, topUnit, { timeout: 5000 }).catch(() => { throw new StepError(`the marker of ${topUnit} did not turn "dispatched" (stream topic unit)`); });
  log(`  the marker of ${topUnit} shows it dispatched (live, stream topic unit)`);
  await shot(page, "06-dispatched.png");
  await page.locator(`[data-testid=assignment-row][data-unit-id="${topUnit}"]`).getByTestId("step-arrived").click();
  await page.waitForSelector(`[data-testid=timeline-step][data-action=arrived]`, { timeout: 5000 })
    .catch(() => { throw new StepError("recording the arrival did not add a step to the timeline"); });
  const ga2 = await api(base, "GET", `/api/v1/incidents/${incId}`, opTok);
  check(ga2.json.state === "on_scene", `after the arrival the incident is ${ga2.json.state}`);
  log(`  arrival of ${topUnit} recorded: incident on scene`);

  log(`step ${++step}: units move and incidents appear live`);
  const before1 = await unitMarker("car-1");
  check(before1, "no marker for car-1");
  const moved = [before1.lng + 0.004, before1.lat - 0.003];
  const mv = await api(base, "POST", "/api/v1/units/positions", opTok, { fixes: [{ unit_id: "car-1", time: new Date().toISOString().replace(/\.\d+Z$/, "Z"), position: moved, status: "available" }] });
  check(mv.status === 200, `POST positions: ${mv.status} ${JSON.stringify(mv.json)}`);
  const t1 = Date.now();
  await page.waitForFunction(([lng, lat]) => {
    let ok = false;
    window.__qyMap.eachLayer((l) => { const tt = l.getTooltip?.(); if (tt && l.getLatLng && String(tt.getContent()).includes("(car-1)")) { const p = l.getLatLng(); ok = Math.abs(p.lng - lng) < 1e-6 && Math.abs(p.lat - lat) < 1e-6; } });
    return ok;
  }, moved, { timeout: 3000 }).catch(() => { throw new StepError("car-1 did not move on the map after a position fix"); });
  log(`  car-1 moved on the map ${Date.now() - t1} ms after its fix was accepted`);
  const call = await api(base, "POST", "/api/v1/incidents", opTok, { type: "traffic", priority: 3, source: "call_122", source_ref: "E2E-122-1", location: [cp.lng - 0.002, cp.lat - 0.001], summary: "E2E: 模拟 122 报警" });
  check(call.status === 201, `POST incident: ${call.status} ${JSON.stringify(call.json)}`);
  await page.waitForSelector(`[data-testid=incident-marker][data-incident-id="${call.json.id}"]`, { timeout: 3000, state: "attached" })
    .catch(() => { throw new StepError(`incident ${call.json.id} made through the API did not appear on the map`); });
  log(`  incident ${call.json.id} (a 122 call made through the API) appeared on the map`);
  await page.evaluate(([lng, lat]) => { window.__qyMap.setView([lat, lng], 14, { animate: false }); }, gi.json.location);
  await page.waitForTimeout(400);
  await shot(page, "command_map.png");

  log(`step ${++step}: the notice banner and the English switch`);
  const about = await api(base, "GET", "/api/v1/about", null);
  const banner = page.getByTestId("notice-banner");
  if (about.status === 200 && about.json?.notice) {
    check(await banner.isVisible() && (await banner.textContent()).includes(about.json.notice), "the server's notice is not shown");
    log(`  notice shown: ${about.json.notice}`);
  } else {
    check(!(await banner.isVisible()), "a notice banner is shown though the server has none");
    log(`  no notice from the server (GET /api/v1/about: ${about.status}): no banner`);
  }
  await Promise.all([page.waitForEvent("load"), page.getByTestId("lang-switch").click()]);
  await page.waitForSelector("#app[data-loaded=true]", { timeout: 15000 });
  const title = await page.locator("header h1").textContent();
  const alertTime = await page.locator(`[data-testid=alert-item][data-alert-id="${alertId}"]`).textContent();
  check(title.includes("Command map"), `the English title is "${title}"`);
  check(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CST \(UTC\+8\)/.test(alertTime), `alert time not in Beijing time with the zone: "${alertTime}"`);
  log(`  English UI after reload, still logged in; times in CST (UTC+8)`);
  await shot(page, "07-english.png");

  check(pageErrors.length === 0, `errors in the page: ${pageErrors.join("; ")}`);
  check(refused.length === 0, `the operator's page called endpoints it may not: ${refused.join(", ")}`);

  log(`step ${++step}: an analyst sees no alerts, no dispatch and no live stream, and calls nothing it may not`);
  const ctx2 = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const p2 = await ctx2.newPage();
  const refused2 = [], errors2 = [];
  p2.on("pageerror", (e) => errors2.push(String(e)));
  p2.on("response", (r) => { if (r.status() === 403) refused2.push(`${r.request().method()} ${r.url()}`); });
  await p2.goto(base + "/", { waitUntil: "load" });
  await p2.getByTestId("login-user").fill("ann");
  await p2.getByTestId("login-password").fill(pw.an);
  await p2.getByTestId("login-submit").click();
  await p2.waitForSelector("#app[data-loaded=true]", { timeout: 15000 });
  await p2.waitForTimeout(1000);
  const s2 = JSON.parse(await p2.getByTestId("map-stats").textContent());
  check(await p2.getByTestId("panel-alerts").count() === 0, "the analyst sees the alert queue");
  check(await p2.getByTestId("panel-newIncident").count() === 0, "the analyst may create incidents in the UI");
  check(await p2.locator("[data-testid=recommend-dispatch]").count() === 0, "the analyst sees dispatch buttons");
  check(!("alerts" in s2), "the analyst has a live alerts layer");
  check(!(await p2.getByTestId("stream-status").isVisible()), "the analyst's page shows a live stream it may not open");
  check(s2.rings > 0 && s2.incidents > 0, `the analyst's map lacks rings or incidents: ${JSON.stringify(s2)}`);
  check(refused2.length === 0, `the analyst's page called endpoints it may not: ${refused2.join(", ")}`);
  check(errors2.length === 0, `errors in the analyst's page: ${errors2.join("; ")}`);
  log(`  analyst: layers ${Object.keys(s2).join(", ")}; no 403 answers`);
  await p2.screenshot({ path: path.join(OUT, "08-analyst.png") });
  await ctx2.close();
  log(`PASS: the command map works end to end (${((Date.now() - T0) / 1000).toFixed(1)} s)`);
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`FAIL at step ${step}: ${e instanceof StepError ? e.message : e?.stack ?? e}`);
  try {
    const pages = browser?.contexts().flatMap((c) => c.pages()) ?? [];
    if (pages[0]) await pages[0].screenshot({ path: path.join(OUT, "failure.png") });
  } catch { /* best effort */ }
} finally {
  await browser?.close().catch(() => {});
  await stopServer();
  if (tmp && !args.keep) fs.rmSync(tmp, { recursive: true, force: true });
}
// One plain closing line for CI log readers: the steps passed and failed.
console.log(`command_map: ${failed ? Math.max(0, step - 1) : step} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
