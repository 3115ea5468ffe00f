// Feature-phone simulator: speaks Africa's Talking's USSD protocol to /channels/ussd and
// shows /dev/phone/conversation, the SMS both ways, oldest first (newest at the bottom, in
// view), in the phone's zone as the server formats it. No framework: a development tool.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  // The channel token comes on the script tag: the CSP runs no inline script.
  const given = document.getElementById("phone-js").dataset.token;
  const token = given ? "?token=" + encodeURIComponent(given) : "";
  let session = null;
  let history = [];

  function setActive(active) {
    $("send").disabled = !active;
    $("hangup").disabled = !active;
  }

  async function ussd(text) {
    const body = new URLSearchParams({
      sessionId: session, serviceCode: $("code").value, phoneNumber: $("msisdn").value,
      networkCode: "99999", text: text,
    });
    const response = await fetch("/channels/ussd" + token, { method: "POST", body: body });
    const answer = await response.text();
    const ended = !answer.startsWith("CON ");
    $("screen").textContent = answer.replace(/^(CON|END) /, "");
    setActive(!ended);
    if (ended) { session = null; refresh(); }
  }

  // The text with each http(s) address made a link that opens (a ticket SMS carries one);
  // built from text nodes and anchors, never from HTML, so a message cannot inject markup.
  function linked(text) {
    const parts = [];
    let last = 0;
    for (const match of text.matchAll(/https?:\/\/[^\s]+[^\s.,;:!?)]/g)) {
      parts.push(document.createTextNode(text.slice(last, match.index)));
      const a = document.createElement("a");
      a.href = match[0];
      a.textContent = match[0];
      a.target = "_blank";
      a.rel = "noopener";
      parts.push(a);
      last = match.index + match[0].length;
    }
    parts.push(document.createTextNode(text.slice(last)));
    return parts;
  }

  async function refresh() {
    const response = await fetch("/dev/phone/conversation?phone=" + encodeURIComponent($("msisdn").value));
    const messages = response.ok ? await response.json() : [];
    const list = $("messages");
    list.replaceChildren(...messages.map((m) => {
      const div = document.createElement("div");
      div.className = "sms " + m.direction;
      div.append(...linked(m.text));
      const meta = document.createElement("small");
      const who = m.direction === "sent" ? "sent" : "received · " + m.status;
      meta.textContent = m.at_local + " · " + who;
      meta.title = m.at;
      div.appendChild(meta);
      return div;
    }));
    if (list.lastElementChild) list.lastElementChild.scrollIntoView({ block: "nearest" });
  }

  $("dial").addEventListener("click", () => {
    session = "SIM" + Date.now() + Math.floor(Math.random() * 1e6);
    history = [];
    ussd("");
  });
  $("send").addEventListener("click", () => {
    if (!session) return;
    history.push($("reply").value.trim());
    $("reply").value = "";
    ussd(history.join("*"));
  });
  $("reply").addEventListener("keydown", (e) => { if (e.key === "Enter") $("send").click(); });
  $("hangup").addEventListener("click", async () => {
    const body = new URLSearchParams({ sessionId: session, phoneNumber: $("msisdn").value, status: "Incomplete",
                                       input: history.join("*") });
    await fetch("/channels/ussd/events" + token, { method: "POST", body: body });
    session = null;
    setActive(false);
    $("screen").textContent = "Session ended. Dial again within 5 minutes to continue.";
  });
  $("sms-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = new URLSearchParams({
      from: $("msisdn").value, to: "22384", text: $("sms-text").value, id: "SIM" + Date.now(),
      date: new Date().toISOString(), networkCode: "99999",
    });
    await fetch("/channels/sms/inbound" + token, { method: "POST", body: body });
    $("sms-text").value = "";
    refresh();
  });
  $("refresh").addEventListener("click", refresh);
  refresh();
}());
