// pyovn's network page: draws /ui/api/topology as SVG, refreshes it, and
// highlights the path of a packet traced with /ui/api/trace.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const REFRESH_MS = 3000;
const MAX_NAT = 8;
let lastPath = null;
let lastJson = "";

function token() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) { localStorage.setItem("pyovn-token", fromHash); }
  return localStorage.getItem("pyovn-token") || "";
}

async function call(path, body) {
  const headers = { "X-Auth-Token": document.getElementById("token").value };
  const init = { headers };
  if (body !== undefined) {
    init.method = "POST";
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const reply = await fetch(path, init);
  const data = await reply.json();
  if (!reply.ok) { throw new Error(data.NeutronError ? data.NeutronError.message : reply.status); }
  return data;
}

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) { node.setAttribute(k, v); }
  if (parent) { parent.appendChild(node); }
  return node;
}

function text(parent, x, y, content, cls) {
  const t = el("text", { x, y, "text-anchor": "middle" }, parent);
  if (cls) { t.setAttribute("class", cls); }
  t.textContent = content;
  return t;
}

// Routers on top, switches under them, each switch's VM ports under it.
function draw(topo) {
  const svg = document.getElementById("topology");
  svg.replaceChildren();
  const colWidth = 230, vmGap = 46;
  const switches = topo.switches, routers = topo.routers;
  const width = Math.max(switches.length, routers.length, 3) * colWidth + 40;
  // Switches sit below the tallest router box.
  const top = 20 + 48 + 13 * Math.min(MAX_NAT + 1, Math.max(0, ...routers.map((r) => r.nat.length))) + 60;
  const xOf = {};
  switches.forEach((s, i) => { xOf[s.name] = 20 + colWidth * i + colWidth / 2; });
  routers.forEach((r, i) => {
    const linked = r.ports.map((p) => topo.router_ports[p]).map((rp) => switchOf(topo, rp.name))
      .filter((s) => s in xOf).map((s) => xOf[s]);
    xOf[r.name] = linked.length ? linked.reduce((a, b) => a + b) / linked.length
      : 20 + colWidth * i + colWidth / 2;
  });
  spread(routers.map((r) => r.name), xOf, 250);
  let maxVms = 0;
  const links = el("g", { id: "links" }, svg);
  for (const r of routers) {
    for (const lrpName of r.ports) {
      const sw = switchOf(topo, lrpName);
      if (!(sw in xOf)) { continue; }
      const lsp = Object.values(topo.ports).find((p) => p.peer === lrpName);
      const line = el("line", { x1: xOf[r.name], y1: 60, x2: xOf[sw], y2: top, class: "link",
        "data-link": `${lsp ? lsp.name : ""}|${lrpName}` }, links);
      const rp = topo.router_ports[lrpName];
      text(links, (xOf[r.name] * 0.3 + xOf[sw] * 0.7), top - 15, rp.networks.join(" "), "small");
      line.dataset.lrp = lrpName;
    }
  }
  for (const r of routers) {
    // NAT rules are listed inside the router's box (at most MAX_NAT of them).
    const shown = r.nat.slice(0, MAX_NAT);
    const g = el("g", { class: "node router", "data-dp": r.name, id: `dp-${r.name}` }, svg);
    el("rect", { x: xOf[r.name] - 115, y: 20, width: 230, height: 48 + 13 * shown.length + 6,
      rx: 8 }, g);
    text(g, xOf[r.name], 40, r.label);
    text(g, xOf[r.name], 56, `${r.ports.length} ports`, "small");
    shown.forEach((n, i) => {
      text(g, xOf[r.name], 72 + i * 13,
        `${n.type} ${n.external_ip} ↔ ${n.logical_ip}`, "nat").setAttribute("data-nat", n.type);
    });
    if (r.nat.length > MAX_NAT) {
      text(g, xOf[r.name], 72 + MAX_NAT * 13, `+${r.nat.length - MAX_NAT} more`, "nat");
    }
  }
  for (const s of switches) {
    const g = el("g", { class: `node switch${s.external ? " external" : ""}`,
      "data-dp": s.name, id: `dp-${s.name}` }, svg);
    el("rect", { x: xOf[s.name] - 100, y: top, width: 200, height: 50, rx: 6 }, g);
    text(g, xOf[s.name], top + 22, s.label);
    text(g, xOf[s.name], top + 39, s.external ? "external" : (s.subnets.join(" ") || "switch"), "small");
    const vms = s.ports.map((p) => topo.ports[p]).filter((p) => p.kind === "vm" || p.kind === "localnet");
    maxVms = Math.max(maxVms, vms.length);
    vms.forEach((p, i) => {
      const y = top + 95 + i * vmGap;
      el("line", { x1: xOf[s.name], y1: top + 50, x2: xOf[s.name] - 60, y2: y, class: "link",
        "data-link": `${p.name}|` }, links);
      const vg = el("g", { class: `node vm${p.up ? "" : " down"}`, "data-port": p.name,
        id: `port-${p.name}` }, svg);
      el("circle", { cx: xOf[s.name] - 60, cy: y, r: 13 }, vg);
      const label = el("text", { x: xOf[s.name] - 40, y: y - 2 }, vg);
      // A Neutron port names its VM in device_id; show it beside the port.
      const vm = p.device && p.kind === "vm" ? ` — ${p.device}` : "";
      label.textContent = p.kind === "localnet" ? `${p.label} (physical)` : `${p.label}${vm}`;
      const info = el("text", { x: xOf[s.name] - 40, y: y + 12, class: "small" }, vg);
      const fip = natFor(topo, p);
      info.textContent = [p.ips.join(" "), p.chassis ? `@${p.chassis}` : "",
        fip ? `FIP ${fip}` : ""].filter(Boolean).join("  ");
    });
  }
  svg.setAttribute("width", width + 60);
  svg.setAttribute("height", top + 125 + maxVms * vmGap);
  fillPorts(topo);
  if (lastPath) { highlight(lastPath); }
}

function spread(names, xOf, minGap) {
  const sorted = [...names].sort((a, b) => xOf[a] - xOf[b]);
  for (let i = 1; i < sorted.length; i++) {
    if (xOf[sorted[i]] - xOf[sorted[i - 1]] < minGap) { xOf[sorted[i]] = xOf[sorted[i - 1]] + minGap; }
  }
}

function switchOf(topo, lrpName) {
  const lsp = Object.values(topo.ports).find((p) => p.peer === lrpName);
  return lsp ? lsp.switch : null;
}

function natFor(topo, port) {
  for (const r of topo.routers) {
    for (const n of r.nat) {
      if (n.type === "dnat_and_snat" && port.ips.includes(n.logical_ip)) { return n.external_ip; }
    }
  }
  return null;
}

function fillPorts(topo) {
  const select = document.getElementById("trace-port");
  const current = select.value;
  const vms = Object.values(topo.ports).filter((p) => p.kind === "vm" && p.ips.length);
  select.replaceChildren(...vms.map((p) => {
    const o = document.createElement("option");
    o.value = p.name; o.textContent = `${p.label} (${p.ips.join(" ")})`;
    return o;
  }));
  if (current) { select.value = current; }
}

function highlight(result) {
  document.querySelectorAll(".on-path").forEach((n) => n.classList.remove("on-path"));
  const ports = new Set();
  for (const hop of result.hops) {
    const dp = document.querySelector(`[data-dp="${CSS.escape(hop.datapath)}"]`);
    if (dp) { dp.classList.add("on-path"); }
    if (hop.inport) { ports.add(hop.inport); }
    if (hop.outport) { ports.add(hop.outport); }
  }
  for (const out of result.outputs) { ports.add(out.port); }
  for (const name of ports) {
    const node = document.querySelector(`[data-port="${CSS.escape(name)}"]`);
    if (node) { node.classList.add("on-path"); }
  }
  document.querySelectorAll("line[data-link]").forEach((line) => {
    const [lsp, lrp] = line.dataset.link.split("|");
    if (ports.has(lsp) && (lrp === "" || ports.has(lrp))) { line.classList.add("on-path"); }
  });
}

async function refresh() {
  try {
    const topo = await call("/ui/api/topology");
    const json = JSON.stringify(topo);
    if (json !== lastJson) { lastJson = json; draw(topo); }
    const status = document.getElementById("status");
    status.textContent = `${topo.switches.length} switches, ${topo.routers.length} routers` +
      (topo.southbound ? "" : " (no SB: no bindings, no traces)");
    status.dataset.ready = "yes";
  } catch (err) {
    document.getElementById("status").textContent = `error: ${err.message}`;
  }
}

async function traceForm(event) {
  event.preventDefault();
  const verdict = document.getElementById("verdict");
  verdict.textContent = "tracing…"; verdict.className = "";
  try {
    const result = await call("/ui/api/trace", {
      port: document.getElementById("trace-port").value,
      dst_ip: document.getElementById("trace-dst").value,
      protocol: document.getElementById("trace-proto").value,
      dst_port: Number(document.getElementById("trace-dport").value || 80),
    });
    lastPath = result;
    highlight(result);
    verdict.textContent = result.verdict === "output"
      ? `delivered to ${result.outputs.map((o) => o.port).join(", ")}` : `verdict: ${result.verdict}`;
    verdict.className = result.verdict;
    verdict.dataset.verdict = result.verdict;
    document.getElementById("trace-text").textContent = result.text;
  } catch (err) {
    verdict.textContent = `error: ${err.message}`; verdict.className = "drop";
  }
}

document.getElementById("token").value = token();
document.getElementById("token").addEventListener("change", (e) => {
  localStorage.setItem("pyovn-token", e.target.value); refresh();
});
document.getElementById("trace-form").addEventListener("submit", traceForm);
refresh();
setInterval(refresh, REFRESH_MS);
