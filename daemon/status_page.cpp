#include "daemon/status_page.hpp"

#include <cstdio>
#include <ctime>

#include "failover/role.hpp"

namespace tandem::daemon {
namespace {

constexpr std::string_view kStyle = R"(
:root{--bg:#f4f5f7;--card:#fff;--ink:#1d2330;--muted:#6b7280;--line:#e3e6eb;--ok:#13795b;--okbg:#e3f5ee;
--bad:#b42318;--badbg:#fde8e6;--warn:#8a5a00;--warnbg:#fff3d6;--info:#1d4ed8;--infobg:#e6edff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.top{background:#1d2330;color:#fff;padding:12px 16px;display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline}
header.top h1{font-size:18px;margin:0;font-weight:600}
header.top span{color:#c3c8d2;font-size:13px}
main{max-width:1100px;margin:0 auto;padding:12px}
h2{font-size:16px;margin:20px 4px 8px}
h3{font-size:15px;margin:14px 4px 6px;font-weight:600}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:12px}
.node{background:var(--card);border-radius:10px;padding:12px 14px;border-left:6px solid var(--line);box-shadow:0 1px 2px #0001}
.node .who{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.node .name{font-size:20px;font-weight:600;margin:2px 0}
.node .role{font-size:22px;font-weight:700;text-transform:uppercase;letter-spacing:.03em}
.node p{margin:2px 0}
.node.active{border-left-color:var(--ok)}.node.active .role{color:var(--ok)}
.node.backup,.node.standby{border-left-color:var(--info)}.node.backup .role,.node.standby .role{color:var(--info)}
.node.fault,.node.dead{border-left-color:var(--bad)}.node.fault .role,.node.dead .role{color:var(--bad)}
.node.init .role{color:var(--muted)}
.scroll{overflow-x:auto;background:var(--card);border-radius:10px;box-shadow:0 1px 2px #0001}
table{border-collapse:collapse;width:100%;min-width:520px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;min-width:180px}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
tr:last-child td{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums}
.b{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600}
.b.ok{color:var(--ok);background:var(--okbg)}.b.bad{color:var(--bad);background:var(--badbg)}
.b.warn{color:var(--warn);background:var(--warnbg)}.b.info{color:var(--info);background:var(--infobg)}
.b.muted{color:var(--muted);background:var(--line)}
.muted{color:var(--muted)}
.note{background:var(--warnbg);color:var(--warn);border-radius:8px;padding:8px 12px;margin:8px 0}
footer{color:var(--muted);font-size:12px;text-align:center;padding:16px}
@media (max-width:640px){main{padding:8px}table{min-width:0}th,td{padding:6px 7px;white-space:normal}
td.wrap{min-width:0}.opt{display:none}.node .role{font-size:20px}}
)";

std::string badge(std::string_view cls, std::string_view text) {
  return "<span class=\"b " + std::string(cls) + "\">" + html_escape(text) + "</span>";
}

std::string role_class(failover::Role role) { return std::string(failover::to_string(role)); }

std::string role_badge(failover::Role role) {
  const char* cls = role == failover::Role::active ? "ok"
                    : role == failover::Role::fault ? "bad"
                    : role == failover::Role::init  ? "muted"
                                                    : "info";
  return badge(cls, failover::to_string(role));
}

std::string local_time(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string fixed(double v, const char* fmt = "%.1f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Columns: name and whether it is numeric; a name starting with '~' is
// left out on a phone.
void table_head(std::string& o, std::initializer_list<std::pair<const char*, bool>> columns) {
  o += "<div class=\"scroll\"><table><tr>";
  for (auto [name, numeric] : columns) {
    const bool optional = name[0] == '~';
    if (optional) ++name;
    const std::string cls = std::string(numeric ? "num" : "") + (numeric && optional ? " " : "") + (optional ? "opt" : "");
    o += cls.empty() ? "<th>" : "<th class=\"" + cls + "\">";
    o += name;
    o += "</th>";
  }
  o += "</tr>";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_engine_page_part(const StatusReport& r) {
  std::string o;
  o += "<section class=\"pair\">";
  // This node.
  o += "<article class=\"node " + role_class(r.role) + "\" id=\"this-node\"><div class=\"who\">this node</div>";
  o += "<div class=\"name\">" + html_escape(r.node) + "</div>";
  o += "<div class=\"role\">" + html_escape(failover::to_string(r.role)) + "</div>";
  o += "<p>since " + html_escape(r.since_local) + " <span class=\"muted\">(" + html_escape(age(r.since_seconds * 1000)) +
       " ago)</span></p>";
  o += "<p class=\"muted\">" + html_escape(r.reason) + "</p>";
  if (r.handover) o += "<p>" + badge("warn", "handover") + " " + html_escape(*r.handover) + "</p>";
  if (!r.tracks.empty() || !r.carrier || !r.unfit.empty())
    o += "<p class=\"muted\">fitness " + std::to_string(r.fitness) + (r.carrier ? "" : ", no carrier") +
         (r.unfit.empty() ? "" : ": " + html_escape(r.unfit)) + "</p>";
  o += "</article>";
  // The peer.
  const bool named = r.named_groups;
  std::string peer_class = !r.peer_alive ? "dead" : named ? "backup" : r.peer_role ? role_class(*r.peer_role) : "dead";
  o += "<article class=\"node " + peer_class + "\" id=\"peer-node\"><div class=\"who\">peer</div>";
  o += "<div class=\"name\">" + html_escape(r.peer_name) + "</div>";
  o += "<div class=\"role\">" +
       html_escape(!r.peer_alive ? "not heard"
                   : named       ? "alive"
                                 : std::string(r.peer_role ? failover::to_string(*r.peer_role) : "not heard")) +
       "</div>";
  std::size_t up = 0;
  for (const auto& l : r.links) up += l.up;
  o += "<p>" + std::to_string(up) + " of " + std::to_string(r.links.size()) + " links up</p>";
  if (r.peer_fitness && !r.tracks.empty()) o += "<p class=\"muted\">fitness " + std::to_string(*r.peer_fitness) + "</p>";
  if (r.peer_digest && !r.config_differs.empty())
    o += "<p>" + badge("warn", "config differs") + " " + html_escape(r.config_differs.front()) + "</p>";
  o += "</article></section>";
  for (const auto& w : r.warnings) o += "<p class=\"note\">" + html_escape(w) + "</p>";

  if (named) {
    o += "<h2>Failover groups</h2>";
    table_head(o, {{"Group", false}, {"Here", false}, {"Since", false}, {"Peer", false}, {"VIPs held", true},
                   {"Why", false}});
    for (const auto& g : r.groups) {
      o += "<tr><td>" + html_escape(g.name) + "</td><td>" + role_badge(g.role) + "</td><td>" +
           html_escape(g.since_local) + "</td><td>" + (g.peer_role ? role_badge(*g.peer_role) : badge("muted", "-")) +
           "</td><td class=\"num\">" + std::to_string(g.vips_held) + "/" + std::to_string(g.vips) +
           "</td><td class=\"wrap muted\">" + html_escape(g.reason) + "</td></tr>";
    }
    o += "</table></div>";
  }

  o += "<h2>Links</h2>";
  table_head(o, {{"Link", false}, {"~Interface", false}, {"Peer", false}, {"State", false}, {"Last heard", true}});
  for (const auto& l : r.links) {
    o += "<tr><td>" + html_escape(l.name) + "</td><td class=\"opt\">" + html_escape(l.interface) + "</td><td>" +
         html_escape(l.peer) + "</td><td>" + (l.up ? badge("ok", "up") : badge("bad", "down")) +
         (l.local_up ? "" : " " + badge("warn", "no carrier")) + "</td><td class=\"num\">" +
         (l.last_heard_ms ? html_escape(age(*l.last_heard_ms)) + " ago" : std::string("never")) + "</td></tr>";
  }
  o += "</table></div>";

  o += "<h2>VIPs</h2>";
  if (r.vips.empty()) {
    o += "<p class=\"muted\">none configured</p>";
  } else {
    table_head(o, {{"Address", false}, {"Interface", false}, {"~Label", false}, {"Here", false}});
    for (const auto& v : r.vips)
      o += "<tr><td>" + html_escape(v.address) + "</td><td>" + html_escape(v.interface) + "</td><td class=\"opt\">" +
           html_escape(v.label) + "</td><td>" + (v.held ? badge("ok", "held") : badge("muted", "not held")) +
           "</td></tr>";
    o += "</table></div>";
  }

  if (!r.tracks.empty()) {
    o += "<h2>Tracks</h2>";
    table_head(o, {{"Track", false}, {"What", false}, {"State", false}, {"Last result", false}});
    for (const auto& t : r.tracks)
      o += "<tr><td>" + html_escape(t.name) + "</td><td>" + html_escape(t.what) + "</td><td>" +
           (t.up ? badge("ok", "up") : badge("bad", "down")) + "</td><td class=\"wrap\">" + html_escape(t.last) +
           "</td></tr>";
    o += "</table></div>";
  }
  if (!r.resources.empty()) {
    o += "<h2>Resources</h2>";
    table_head(o, {{"Resource", false}, {"Group", false}, {"State", false}, {"Since", false}, {"Last failure", false}});
    for (const auto& res : r.resources) {
      const char* cls = res.state == "running" ? "ok" : res.state == "failed" ? "bad" : res.state == "stopped" ? "muted" : "warn";
      o += "<tr><td>" + html_escape(res.name) + "</td><td>" + html_escape(res.group) + "</td><td>" +
           badge(cls, res.state) + "</td><td>" + html_escape(res.since_utc) + "</td><td class=\"wrap\">" +
           html_escape(res.failure) + "</td></tr>";
    }
    o += "</table></div>";
  }
  return o;
}

std::string render_status_page(std::string_view engine_part, const StatusReport& r,
                               const std::vector<PageEvent>& events, std::string_view now_local,
                               int refresh_seconds) {
  std::string o;
  o.reserve(4096 + r.reals * 400);
  o += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">";
  o += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  o += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(refresh_seconds) + "\">";
  o += "<title>tandem " + html_escape(r.node) + "</title><style>";
  o += kStyle;
  o += "</style></head><body><header class=\"top\"><h1>tandem</h1><span>" + html_escape(r.node) +
       "</span><span>as of " + html_escape(now_local) + ", refreshes every " + std::to_string(refresh_seconds) +
       " s</span></header><main>";
  if (engine_part.empty())
    o += "<p class=\"note\">waiting for the engine's first report</p>";
  else
    o += engine_part;

  o += "<h2>Virtual servers</h2>";
  if (!r.ipvs_error.empty()) o += "<p class=\"note\">" + html_escape(r.ipvs_error) + "</p>";
  if (r.virtual_servers.empty()) o += "<p class=\"muted\">none configured</p>";
  for (const auto& vs : r.virtual_servers) {
    std::size_t healthy = 0, checked = 0;
    for (const auto& d : vs.dests)
      if (d.health) {
        ++checked;
        healthy += d.health->state != "down";
      }
    o += "<h3 class=\"vs\">" + html_escape(vs.service) + " <span class=\"muted\">" + html_escape(vs.scheduler) + ", " +
         std::to_string(healthy) + "/" + std::to_string(checked) + " healthy</span>" +
         (vs.in_kernel ? "" : " " + badge("bad", "not in the kernel")) + "</h3>";
    table_head(o, {{"Real server", false}, {"Health", false}, {"Weight", true}, {"~Active", true},
                   {"~Inactive", true}, {"Last probe", false}});
    for (const auto& d : vs.dests) {
      std::string health;
      if (d.fallback) health = badge("warn", "fallback");
      else if (!d.health) health = badge("muted", "-");
      else if (d.health->state == "down") health = badge("bad", "down");
      else if (d.health->state == "up") health = badge("ok", "up");
      else health = badge("muted", d.health->state);
      if (!d.maintenance.empty())
        health += " " + badge("warn", d.maintenance == "drain" ? "draining" : "disabled");
      std::string probe = "<span class=\"muted\">none yet</span>";
      if (d.health && d.health->last) {
        const auto& p = *d.health->last;
        probe = (p.ok ? badge("ok", "ok") : badge("bad", "failed")) + " " +
                html_escape(fixed(double(p.latency.count()) / 1000, "%.1f ms")) + " <span class=\"muted\">" +
                html_escape(p.detail) + "</span>";
      } else if (d.health && d.health->check.empty()) {
        probe = "<span class=\"muted\">not checked</span>";
      }
      o += "<tr class=\"real\"><td>" + html_escape(d.address) + "</td><td>" + health + "</td><td class=\"num\">" +
           (d.in_kernel ? std::to_string(d.weight) : std::string("-")) + " <span class=\"muted\">/ " +
           std::to_string(d.configured_weight) + "</span></td><td class=\"num opt\">" + std::to_string(d.active_conns) +
           "</td><td class=\"num opt\">" + std::to_string(d.inactive_conns) + "</td><td class=\"wrap\">" + probe +
           "</td></tr>";
    }
    o += "</table></div>";
  }

  o += "<h2>Last events</h2>";
  if (events.empty()) {
    o += "<p class=\"muted\">none since tandemd started</p>";
  } else {
    table_head(o, {{"Time", false}, {"What", false}, {"Event", false}});
    for (const auto& e : events)
      o += "<tr class=\"event\"><td>" + html_escape(local_time(e.unix_ms)) + "</td><td>" +
           badge(e.kind == "role" ? "info" : "muted", e.kind) + "</td><td class=\"wrap\">" + html_escape(e.text) +
           "</td></tr>";
    o += "</table></div>";
  }
  o += "</main><footer>tandem: read-only status; /metrics for Prometheus</footer></body></html>\n";
  return o;
}

}  // namespace tandem::daemon
