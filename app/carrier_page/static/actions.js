// What a carrier admin does from the dashboard's money queues, each through the API the
// rest of the product uses (so a click changes the ledger exactly as the API would):
// - a pending payout: "Mark paid" with the reference of the hand payment
//   (POST /api/v1/carriers/{id}/payouts/{payout}/paid);
// - a suspense item: apply it to a booking, refund it, or write it off, with a reason
//   (POST /api/v1/suspense/{item}/apply | refund | write-off).
// Texts come from the caller's t() (the message catalogue).
import { api, session } from "./session.js";

const SUSPENSE_ACTIONS = { apply: "apply", refund: "refund", write_off: "write-off" };

function input(name, placeholder, size = 12) {
  const el = document.createElement("input");
  el.name = name;
  el.placeholder = placeholder;
  el.setAttribute("aria-label", placeholder);
  el.size = size;
  return el;
}

function button(action, id, label) {
  const el = document.createElement("button");
  el.type = "button";
  el.dataset.action = action;
  el.dataset.id = id;
  el.textContent = label;
  return el;
}

function payoutActions(row, t) {
  const td = document.createElement("td");
  td.className = "actions";
  if (row.status === "pending") {
    td.append(input("reference", t("reference")), button("mark-paid", row.payout_id, t("mark_paid")));
  }
  return td;
}

function suspenseActions(row, t) {
  const td = document.createElement("td");
  td.className = "actions";
  const choice = document.createElement("select");
  choice.name = "resolution";
  choice.setAttribute("aria-label", t("action"));
  for (const [value, key] of [["apply", "apply"], ["refund", "refund"], ["write_off", "write_off"]]) {
    choice.append(new Option(t(key), value));
  }
  td.append(choice, input("order_code", t("booking_code"), 10), input("reason", t("reason_input"), 16),
    button("resolve", row.item, t("resolve")));
  return td;
}

/** The actions cell of a row of table ``name``, or null for a table without actions. */
export function actionsFor(name) {
  return { pending_payouts: payoutActions, suspense: suspenseActions }[name] || null;
}

async function run(target, { t }) {
  const cell = target.closest("td");
  const value = (name) => cell.querySelector(`[name=${name}]`)?.value.trim() ?? "";
  const id = target.dataset.id;
  if (target.dataset.action === "mark-paid") {
    await api(`/api/v1/carriers/${session.user.carrier_id}/payouts/${id}/paid`,
      { method: "POST", body: { reference: value("reference") } });
    return t("marked_paid", { id });
  }
  const resolution = value("resolution");
  const body = { reason: value("reason") };
  if (resolution === "apply") body.order_code = value("order_code");
  await api(`/api/v1/suspense/${id}/${SUSPENSE_ACTIONS[resolution]}`, { method: "POST", body });
  return t("resolved", { id });
}

/** One listener for every action button of the page; after a success the figures are read again. */
export function wireActions({ t, failure, reload, message }) {
  document.getElementById("dashboard").addEventListener("click", async (event) => {
    const target = event.target.closest("button[data-action]");
    if (!target) return;
    target.disabled = true;
    try {
      const done = await run(target, { t });
      await reload();
      message(done);
    } catch (e) {
      target.disabled = false;
      message(failure(e));
    }
  });
}
