// The carrier dashboard: sign in (session.js), fetch /api/v1/carriers/{id}/dashboard once,
// draw the two sales charts with uPlot (vendored, static/vendor) and every table, and offer
// each table as CSV (fetched with the access token, saved from a blob). Every text comes
// from the message catalogue embedded in the page (#i18n, carrier:* keys); the language is
// the switch's, else the account's, else the browser's. Rows of the money queues carry their
// actions (actions.js): mark a payout paid, resolve a suspense item, through the API.
import { actionsFor, wireActions } from "./actions.js";
import { api, refresh, requestCode, session, signIn, signOut } from "./session.js";

const $ = (id) => document.getElementById(id);
const ROLES = ["carrier_admin"];
const COLORS = ["#1d4ed8", "#059669", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#4b5563"];
const charts = {}; // name -> uPlot, read by the browser tests
window.safiriCharts = charts;
let data = null;
const CATALOGUE = JSON.parse(document.getElementById("i18n").textContent);
const LANG_KEY = "carrier.lang";
let lang = localStorage.getItem(LANG_KEY) || pickLanguage();

function pickLanguage() {
  const wanted = (navigator.language || "en").slice(0, 2);
  return CATALOGUE[wanted] ? wanted : "en";
}

/** The catalogue's text for ``key`` in the page's language, ``{name}`` filled from ``params``. */
function t(key, params = {}) {
  const text = (CATALOGUE[lang] || CATALOGUE.en)[key] ?? CATALOGUE.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "");
}

function renderTexts() {
  document.documentElement.lang = lang;
  $("lang").value = lang;
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  if (data) render();
}

/** The account's language, unless someone picked one on the switch. */
function adoptAccountLanguage(user) {
  if (!localStorage.getItem(LANG_KEY) && CATALOGUE[user?.language]) {
    lang = user.language;
    renderTexts();
  }
}

function show(section) {
  $("signin").hidden = section !== "signin";
  $("dashboard").hidden = section !== "dashboard";
  $("sign-out").hidden = section !== "dashboard";
}

function digits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

function money(minor, currency) {
  const d = digits(currency);
  return `${currency} ${(minor / 10 ** d).toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d })}`;
}

const TRANSLATED_VALUES = { kind: "kind_", status: "status_" };

function cell(row, column) {
  const td = document.createElement("td");
  const value = row[column];
  const prefix = TRANSLATED_VALUES[column];
  if (prefix && CATALOGUE.en[prefix + value]) {
    td.textContent = t(prefix + value);
  } else if ((column === "amount" || column === "expected") && typeof value === "number") {
    td.textContent = money(value, row.currency || data.currency);
    td.className = "num";
  } else {
    td.textContent = value ?? "";
    if (typeof value === "number") td.className = "num";
  }
  return td;
}

function renderTable(name, columns, section) {
  const table = $("table-" + name);
  table.textContent = "";
  const actions = actionsFor(name);
  const head = table.createTHead().insertRow();
  for (const column of [...columns, ...(actions ? ["actions"] : [])]) {
    const th = document.createElement("th");
    th.textContent = t("col_" + column);
    head.append(th);
  }
  const body = table.createTBody();
  if (!section.rows.length) {
    const td = document.createElement("td");
    td.colSpan = columns.length + (actions ? 1 : 0);
    td.className = "empty";
    td.textContent = t(section.available ? "nothing" : "not_available");
    body.insertRow().append(td);
  }
  for (const row of section.rows) {
    const tr = body.insertRow();
    for (const column of columns) tr.append(cell(row, column));
    if (actions) tr.append(actions(row, t));
  }
}

/** One series per channel (or method): the day's gross in major units, 0 on a day without sales. */
function seriesOf(rows, key) {
  const d = digits(data.currency);
  const index = new Map(data.days.map((day, i) => [day, i]));
  const names = [...new Set(rows.map((row) => row[key]))].sort();
  const values = names.map(() => data.days.map(() => 0));
  for (const row of rows) {
    if (row.currency !== data.currency) continue;
    values[names.indexOf(row[key])][index.get(row.date)] += row.amount / 10 ** d;
  }
  return { names, values };
}

function drawChart(name, rows, key) {
  const box = $("chart-" + name);
  charts[name]?.destroy();
  box.textContent = "";
  const { names, values } = seriesOf(rows, key);
  const x = data.days.map((day) => Date.parse(day + "T00:00:00Z") / 1000);
  box.dataset.series = names.join(",");
  const opts = {
    width: Math.max(240, box.clientWidth),
    height: 240,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true } },
    axes: [{}, { size: 60, label: data.currency }],
    series: [{ label: t("day") }, ...names.map((label, i) => ({
      label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 5 },
    }))],
  };
  charts[name] = new uPlot(opts, [x, ...values], box);
}

function resizeCharts() {
  for (const name of Object.keys(charts)) {
    const box = $("chart-" + name);
    charts[name].setSize({ width: Math.max(240, box.clientWidth), height: 240 });
  }
}

function totals(rows, today) {
  let amount = 0, count = 0, amountToday = 0, countToday = 0;
  for (const row of rows) {
    if (row.currency !== data.currency) continue;
    amount += row.amount;
    count += row.count;
    if (row.date === today) {
      amountToday += row.amount;
      countToday += row.count;
    }
  }
  return { amount, count, amountToday, countToday };
}

function render() {
  const tables = data.tables;
  $("carrier-name").textContent = data.carrier;
  $("period").textContent = t("period", { today: data.today, first: data.first_day, zone: data.timezone });
  const sum = totals(tables.sales_by_channel.rows, data.today);
  $("today-amount").textContent = money(sum.amountToday, data.currency);
  $("today-count").textContent = t("orders", { n: sum.countToday });
  $("month-amount").textContent = money(sum.amount, data.currency);
  $("month-count").textContent = t("orders", { n: sum.count });
  $("conflict-count").textContent = tables.scan_conflicts.rows.length;
  $("payout-count").textContent = tables.pending_payouts.rows.length;
  drawChart("channel", tables.sales_by_channel.rows, "channel");
  drawChart("method", tables.sales_by_method.rows, "method");
  const columns = JSON.parse(document.body.dataset.columns);
  for (const [name, cols] of Object.entries(columns)) renderTable(name, cols, tables[name]);
}

async function load() {
  const user = session.user;
  $("who").textContent = user.name || "";
  adoptAccountLanguage(user);
  show("dashboard");
  try {
    data = await api(`/api/v1/carriers/${user.carrier_id}/dashboard`);
    render();
    document.body.dataset.loaded = "true";
  } catch (e) {
    if (!e.status) console.error(e);
    $("dashboard-msg").textContent = t("load_failed", { status: e.status ?? "-" });
  }
}

async function downloadCsv(table) {
  const r = await api(`/api/v1/carriers/${session.user.carrier_id}/dashboard?format=csv&table=${table}`,
    { headers: { Accept: "text/csv" }, raw: true });
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = `carrier-${session.user.carrier_id}-${table}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function wire() {
  $("send-code").onclick = async () => {
    try {
      await requestCode($("phone").value, lang);
      $("signin-msg").textContent = t("code_sent");
      $("otp").focus();
    } catch (e) {
      $("signin-msg").textContent = failure(e);
    }
  };
  $("verify").onclick = async () => {
    try {
      await signIn($("phone").value, $("otp").value.trim(), ROLES);
      localStorage.setItem(SIGNED_IN, "1");
      await load();
    } catch (e) {
      $("signin-msg").textContent = t(e.status === 403 ? "admins_only" : "sign_in_failed");
    }
  };
  $("sign-out").onclick = async () => {
    await signOut();
    localStorage.removeItem(SIGNED_IN);
    $("signin-msg").textContent = "";
    show("signin");
  };
  for (const button of document.querySelectorAll("button.csv")) {
    button.onclick = () => downloadCsv(button.dataset.table).catch((e) => ($("dashboard-msg").textContent = failure(e)));
  }
  $("lang").onchange = () => {
    lang = $("lang").value;
    localStorage.setItem(LANG_KEY, lang);
    renderTexts();
  };
  wireActions({ t, failure, reload: load, message: (text) => ($("dashboard-msg").textContent = text) });
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(resizeCharts, 100);
  });
}

/** What went wrong with a request, in the page's language (the API's own words in brackets). */
function failure(e) {
  return t("action_failed", { status: e.status ?? "", detail: e.body?.detail || e.message || "" });
}

// localStorage keeps only that someone signed in here (no token, no secret): then a reload
// asks the cookie for a session; otherwise the page shows the sign-in at once.
const SIGNED_IN = "carrier.signed_in";
renderTexts();
wire();
if (localStorage.getItem(SIGNED_IN) && (await refresh()) && ROLES.includes(session.user?.role)) await load();
else {
  localStorage.removeItem(SIGNED_IN);
  show("signin");
}
