// Every string the UI shows, in zh-CN (the default) and English. t() falls back to zh-CN, then
// to the key itself, so a missing translation is visible but never breaks the page.
export type Lang = "zh-CN" | "en";

const zh = {
  "app.title": "全域 · 可视化指挥",
  "login.title": "登录指挥平台",
  "login.user": "用户名",
  "login.password": "密码",
  "login.submit": "登录",
  "login.failed": "登录失败：{reason}",
  "login.locked": "账号已锁定：{reason}",
  "logout": "退出",
  "lang.switch": "English",
  "user.as": "{user}（{role}）",
  "role.admin": "管理员", "role.commander": "指挥长", "role.operator": "值班员", "role.analyst": "分析员",
  "role.auditor": "审计员", "role.mediator": "调解员", "role.liaison": "联络员", "role.device": "设备",
  "layer.basemap": "底图（道路/水系/用地）",
  "layer.rings": "圈层",
  "layer.checkpoints": "卡口",
  "layer.alerts": "实时预警",
  "layer.units": "警力",
  "layer.incidents": "警情",
  "layer.places": "重点场所",
  "layer.reach": "1-3-5 分钟快速反应圈",
  "layer.reachGaps": "反应圈盲区",
  "layer.closureGaps": "围闭缺口",
  "level.province": "省", "level.city": "市", "level.county": "区县", "level.urban_core": "核心区", "level.custom": "自定义",
  "cp.active": "正常", "cp.faulty": "故障", "cp.retired": "停用",
  "panel.alerts": "预警队列",
  "panel.incident": "警情详情",
  "panel.incidents": "警情列表",
  "panel.newIncident": "新建警情",
  "panel.kpi": "响应时效",
  "panel.closure": "圈层围闭度",
  "alerts.empty": "暂无预警",
  "alerts.new": "新",
  "alerts.count": "命中 {n} 次",
  "alerts.ack": "签收",
  "alerts.dispatch": "已派",
  "alerts.toIncident": "生成警情",
  "alerts.state.new": "待签收", "alerts.state.acknowledged": "已签收", "alerts.state.dispatched": "已派警", "alerts.state.closed": "已关闭",
  "alerts.type.list_hit": "布控命中", "alerts.type.ring_touch": "圈层触碰", "alerts.type.ring_entry": "入圈",
  "alerts.priority": "{p}级",
  "incident.none": "选择或新建一个警情",
  "incident.timeline": "处置时间线",
  "incident.assigned": "已派警力",
  "step.arrived": "到场", "step.cleared": "处置完毕", "step.cancelled": "取消派警", "step.closed": "结案",
  "incident.recommend": "推荐警力",
  "incident.recommend.empty": "没有可派警力",
  "incident.dispatch": "派警",
  "incident.dispatched": "已派 {unit}",
  "incident.eta": "预计 {eta}",
  "incident.location": "位置",
  "incident.district": "辖区",
  "incident.state": "状态",
  "incident.reported": "接警时间",
  "incident.priority": "优先级",
  "incident.type": "类型",
  "incident.summary": "简要警情",
  "incident.source": "来源",
  "incident.pickLocation": "在地图上点击选择位置",
  "incident.locationPicked": "已选位置：{lng}, {lat}",
  "incident.create": "创建警情",
  "incident.created": "已创建警情 {id}",
  "incident.needLocation": "请先在地图上点击选择位置",
  "type.criminal": "刑事", "type.public_order": "治安", "type.traffic": "交通", "type.fire": "火灾",
  "type.dispute": "纠纷", "type.assistance": "求助", "type.other": "其他",
  "col.unit": "警力", "col.eta": "预计到达", "col.distance": "路程", "col.warnings": "提示",
  "col.ring": "圈层", "col.crossings": "道口", "col.directions": "方向", "col.covered": "已覆盖",
  "col.ratio": "围闭率", "col.weighted": "加权", "col.gaps": "缺口",
  "kpi.byType": "按类型", "kpi.byDistrict": "按辖区",
  "kpi.incidents": "警情数", "kpi.callToDispatch": "接警→派警（中位数）", "kpi.callToArrival": "接警→到场（中位数）",
  "kpi.empty": "暂无数据",
  "closure.none": "没有圈层存有道口数据（需运行 quanyu closure --save）",
  "closure.showGaps": "在地图上显示缺口",
  "closure.noCrossing": "无道路穿越",
  "unit.status.available": "可派", "unit.status.dispatched": "已派", "unit.status.en_route": "在途",
  "unit.status.on_scene": "到场", "unit.status.returning": "返回", "unit.status.off_duty": "下勤",
  "unit.stale": "位置过期",
  "reach.minutes": "{m} 分钟",
  "reach.gap": "盲区：{name}",
  "stream.live": "实时连接", "stream.down": "实时连接中断，重连中…",
  "error.generic": "出错了：{reason}",
  "error.forbidden": "无权限",
  "notice": "提示",
  "time.zone": "北京时间 (UTC+8)",
  "dur.s": "{s} 秒", "dur.ms": "{m} 分 {s} 秒", "dur.h": "{h} 小时 {m} 分",
  "dist.m": "{m} 米", "dist.km": "{km} 公里",
  "warn.stale": "位置过期（{age}前）",
  "warn.foot": "步行：按 {kmh} 公里/小时计",
  "warn.noFix": "无位置上报，按驻地计算",
  "warn.home": "按驻地位置",
  "warn.returning": "处置后返回途中",
} as const;

export type Key = keyof typeof zh;

const en: Partial<Record<Key, string>> & Record<string, string> = {
  "app.title": "quanyu · Command map",
  "login.title": "Sign in to the command platform",
  "login.user": "User", "login.password": "Password", "login.submit": "Sign in",
  "login.failed": "Sign-in failed: {reason}", "login.locked": "Account locked: {reason}",
  "logout": "Sign out", "lang.switch": "中文", "user.as": "{user} ({role})",
  "role.admin": "administrator", "role.commander": "commander", "role.operator": "operator", "role.analyst": "analyst",
  "role.auditor": "auditor", "role.mediator": "mediator", "role.liaison": "liaison", "role.device": "device",
  "layer.basemap": "Base map (roads, water, land use)", "layer.rings": "Rings", "layer.checkpoints": "Checkpoints",
  "layer.alerts": "Live alerts", "layer.units": "Units", "layer.incidents": "Incidents",
  "layer.places": "Protected places", "layer.reach": "1-3-5 minute reach", "layer.reachGaps": "Reach gaps",
  "layer.closureGaps": "Closure gaps",
  "level.province": "province", "level.city": "city", "level.county": "county", "level.urban_core": "urban core", "level.custom": "custom",
  "cp.active": "active", "cp.faulty": "faulty", "cp.retired": "retired",
  "panel.alerts": "Alert queue", "panel.incident": "Incident", "panel.incidents": "Incidents",
  "panel.newIncident": "New incident", "panel.kpi": "Response times", "panel.closure": "Ring closure",
  "alerts.empty": "No alerts", "alerts.new": "NEW", "alerts.count": "{n} hits", "alerts.ack": "Acknowledge",
  "alerts.dispatch": "Dispatched", "alerts.toIncident": "Create incident",
  "alerts.state.new": "new", "alerts.state.acknowledged": "acknowledged", "alerts.state.dispatched": "dispatched", "alerts.state.closed": "closed",
  "alerts.type.list_hit": "list hit", "alerts.type.ring_touch": "ring touch", "alerts.type.ring_entry": "ring entry",
  "alerts.priority": "P{p}",
  "incident.none": "Select or create an incident", "incident.timeline": "Timeline", "incident.assigned": "Assigned units",
  "incident.recommend": "Recommended units", "incident.recommend.empty": "No unit available",
  "incident.dispatch": "Dispatch", "incident.dispatched": "Dispatched {unit}", "incident.eta": "ETA {eta}",
  "incident.location": "Location", "incident.district": "District", "incident.state": "State",
  "incident.reported": "Reported", "incident.priority": "Priority", "incident.type": "Type", "incident.summary": "Summary", "incident.source": "Source",
  "incident.pickLocation": "Click on the map to pick the location", "incident.locationPicked": "Location: {lng}, {lat}",
  "incident.create": "Create incident", "incident.created": "Created incident {id}",
  "incident.needLocation": "Pick a location on the map first",
  "type.criminal": "criminal", "type.public_order": "public order", "type.traffic": "traffic", "type.fire": "fire",
  "type.dispute": "dispute", "type.assistance": "assistance", "type.other": "other",
  "col.unit": "Unit", "col.eta": "ETA", "col.distance": "Distance", "col.warnings": "Warnings",
  "col.ring": "Ring", "col.crossings": "Crossings", "col.directions": "Directions", "col.covered": "Covered",
  "col.ratio": "Ratio", "col.weighted": "Weighted", "col.gaps": "Gaps",
  "kpi.byType": "By type", "kpi.byDistrict": "By district", "kpi.incidents": "Incidents",
  "kpi.callToDispatch": "Call → dispatch (median)", "kpi.callToArrival": "Call → arrival (median)", "kpi.empty": "No data",
  "closure.none": "No ring has stored crossings (run quanyu closure --save)", "closure.showGaps": "Show gaps on the map", "closure.noCrossing": "no road crosses",
  "unit.status.available": "available", "unit.status.dispatched": "dispatched", "unit.status.en_route": "en route",
  "unit.status.on_scene": "on scene", "unit.status.returning": "returning", "unit.status.off_duty": "off duty",
  "unit.stale": "stale position",
  "reach.minutes": "{m} min", "reach.gap": "Gap: {name}",
  "stream.live": "Live", "stream.down": "Live connection lost, reconnecting…",
  "error.generic": "Error: {reason}", "error.forbidden": "Not permitted", "notice": "Notice",
  "time.zone": "CST (UTC+8)",
  "dur.s": "{s} s", "dur.ms": "{m} min {s} s", "dur.h": "{h} h {m} min",
  "dist.m": "{m} m", "dist.km": "{km} km",
  "warn.stale": "stale position ({age} old)", "warn.foot": "on foot: route length at {kmh} km/h",
  "warn.noFix": "no position report; ranked from its home base", "warn.home": "at its home base",
  "warn.returning": "returning from an incident",
  // Server values whose Chinese label comes from the server itself (kind_label, state_label, ...).
  "kind.workstation": "police workstation", "kind.duty_point": "duty point", "kind.patrol_car": "patrol car",
  "kind.motorcycle": "motorcycle patrol", "kind.foot_patrol": "foot patrol", "kind.ambulance": "ambulance (120)",
  "kind.fire_engine": "fire engine",
  "istate.open": "open", "istate.dispatched": "dispatched", "istate.on_scene": "on scene", "istate.closed": "closed",
  "source.call_110": "110 call", "source.call_120": "120 call", "source.call_122": "122 call", "source.alert": "alert",
  "source.sensor": "sensor", "source.manual": "entered by hand",
  "step.created": "reported", "step.dispatched": "dispatched", "step.acknowledged": "acknowledged",
  "step.en_route": "en route", "step.arrived": "arrived", "step.cleared": "cleared", "step.cancelled": "cancelled",
  "step.note": "note", "step.closed": "closed", "step.reopened": "reopened",
};

const dictionaries: Record<Lang, Partial<Record<string, string>>> = { "zh-CN": zh, en };

let current: Lang = "zh-CN";

export function setLang(lang: Lang): void { current = lang; }
export function getLang(): Lang { return current; }

/** Looks `key` up in `lang` (default: the current language), then zh-CN, then returns the key.
 *  `{name}` placeholders are replaced from `params`. */
export function t(key: string, params: Record<string, string | number> = {}, lang: Lang = current): string {
  const s = dictionaries[lang][key] ?? dictionaries["zh-CN"][key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** A label for a server value (`prefix.value`), or `fallback` (the server's own label) when the
 *  dictionary has none. */
export function label(prefix: string, value: string, fallback?: string, lang: Lang = current): string {
  const key = `${prefix}.${value}`;
  const s = dictionaries[lang][key];
  if (s !== undefined) return s;
  if (fallback) return fallback;
  return dictionaries["zh-CN"][key] ?? value;
}

export function hasKey(key: string, lang: Lang): boolean { return key in dictionaries[lang]; }
export const ZH_KEYS = Object.keys(zh) as Key[];
