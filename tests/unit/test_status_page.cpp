// The status page (daemon/status_page.hpp) and its event log
// (daemon/event_log.hpp): what each part shows, escaping, and the events'
// wire form.
#include <gtest/gtest.h>

#include <string>

#include "daemon/event_log.hpp"
#include "daemon/status_page.hpp"
#include "status_builders.hpp"

namespace tandem::daemon {
namespace {

StatusReport engine() {
  StatusReport r;
  r.node = "d1";
  r.role = failover::Role::active;
  r.since_local = "12:01:07";
  r.since_seconds = 65;
  r.reason = "d2 is dead <power cut>";
  r.peer_name = "d2";
  r.peer_alive = false;
  r.fitness = 1;
  r.links = {LinkStatus{"public", "eth0", "10.0.0.2", false, true, 4000.0},
             LinkStatus{"private", "eth1", "192.168.77.2", false, false, std::nullopt}};
  r.vips = {VipStatus{"10.0.0.100/24", "eth0", "eth0:web", true}};
  r.tracks = {TrackStatus{"gateway", "ping 10.0.0.254", 1, true, "reply in 0.4 ms", 0.4, ""}};
  r.resources = {ResourceStatus{"varnish", "default", "running", "2026-12-07T12:01:08Z", ""}};
  return r;
}

StatusReport checker() {
  StatusReport r;
  r.node = "d1";
  VirtualServerStatus vs;
  vs.service = "TCP 10.0.0.100:80";
  vs.scheduler = "wlc";
  vs.in_kernel = true;
  DestStatus up = testing::make_dest("10.0.0.11:80", 5, "up", 3, 0,
                                     health::ProbeResult{true, std::chrono::microseconds(1500), "HTTP 200"});
  up.active_conns = 12;
  const DestStatus down = testing::make_dest(
      "10.0.0.12:80", 0, "down", 3, 3, health::ProbeResult{false, std::chrono::microseconds(2000000), "timeout"});
  vs.dests = {up, down};
  r.virtual_servers = {vs};
  return r;
}

TEST(StatusPage, TheEnginePartShowsBothNodesLinksVipsTracksAndResources) {
  const std::string part = render_engine_page_part(engine());
  EXPECT_NE(part.find("<article class=\"node active\" id=\"this-node\">"), std::string::npos) << part;
  EXPECT_NE(part.find("<div class=\"role\">active</div>"), std::string::npos);
  EXPECT_NE(part.find("since 12:01:07"), std::string::npos);
  EXPECT_NE(part.find("d2 is dead &lt;power cut&gt;"), std::string::npos) << "escaped";
  EXPECT_NE(part.find("<article class=\"node dead\" id=\"peer-node\">"), std::string::npos);
  EXPECT_NE(part.find("<div class=\"role\">not heard</div>"), std::string::npos);
  EXPECT_NE(part.find("0 of 2 links up"), std::string::npos);
  EXPECT_NE(part.find("<td>public</td><td class=\"opt\">eth0</td><td>10.0.0.2</td>"), std::string::npos);
  EXPECT_NE(part.find("4.0s ago"), std::string::npos);
  EXPECT_NE(part.find("never"), std::string::npos);
  EXPECT_NE(part.find("no carrier"), std::string::npos);
  EXPECT_NE(part.find("<td>10.0.0.100/24</td><td>eth0</td><td class=\"opt\">eth0:web</td><td><span class=\"b ok\">held</span>"),
            std::string::npos);
  EXPECT_NE(part.find("<td>gateway</td><td>ping 10.0.0.254</td>"), std::string::npos);
  EXPECT_NE(part.find("<td>varnish</td><td>default</td><td><span class=\"b ok\">running</span>"), std::string::npos);
  EXPECT_EQ(part.find("Failover groups"), std::string::npos) << "no table without [[group]]";
}

TEST(StatusPage, NamedGroupsGetTheirTable) {
  StatusReport r = engine();
  r.named_groups = true;
  r.peer_alive = true;
  GroupStatus web;
  web.name = "web";
  web.role = failover::Role::active;
  web.vips = 2;
  web.vips_held = 2;
  web.peer_role = failover::Role::backup;
  r.groups = {web};
  const std::string part = render_engine_page_part(r);
  EXPECT_NE(part.find("Failover groups"), std::string::npos);
  EXPECT_NE(part.find("<td>web</td><td><span class=\"b ok\">active</span>"), std::string::npos) << part;
  EXPECT_NE(part.find("<span class=\"b info\">backup</span>"), std::string::npos);
  EXPECT_NE(part.find("2/2"), std::string::npos);
}

TEST(StatusPage, ThePageHasTheVirtualServersEventsAndRefreshes) {
  const std::vector<PageEvent> events = {{1700000000000, "health", "real 10.0.0.12:80 is down <timeout>"},
                                         {1699999990000, "role", "backup -> active: d2 is dead"}};
  const std::string page = render_status_page(render_engine_page_part(engine()), checker(), events, "12:02:12");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta http-equiv=\"refresh\" content=\"2\">"), std::string::npos);
  EXPECT_NE(page.find("name=\"viewport\""), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("id=\"this-node\""), std::string::npos);
  EXPECT_NE(page.find("TCP 10.0.0.100:80 <span class=\"muted\">wlc, 1/2 healthy</span>"), std::string::npos) << page;
  EXPECT_NE(page.find("<tr class=\"real\"><td>10.0.0.11:80</td><td><span class=\"b ok\">up</span></td>"
                      "<td class=\"num\">5 <span class=\"muted\">/ 5</span></td><td class=\"num opt\">12</td>"),
            std::string::npos);
  EXPECT_NE(page.find("<tr class=\"real\"><td>10.0.0.12:80</td><td><span class=\"b bad\">down</span>"),
            std::string::npos);
  EXPECT_NE(page.find("1.5 ms"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"b bad\">failed</span> 2000.0 ms"), std::string::npos);
  EXPECT_NE(page.find("real 10.0.0.12:80 is down &lt;timeout&gt;"), std::string::npos);
  // Newest first, as given.
  EXPECT_LT(page.find("is down &lt;timeout"), page.find("backup -&gt; active"));
}

TEST(StatusPage, BeforeTheEnginesFirstReportThePageSaysSo) {
  const std::string page = render_status_page("", StatusReport{}, {}, "12:00:00");
  EXPECT_NE(page.find("waiting for the engine's first report"), std::string::npos);
  EXPECT_NE(page.find("none since tandemd started"), std::string::npos);
}

TEST(StatusPage, HtmlIsEscaped) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(EventLog, KeepsTheNewestAndSurvivesTheWire) {
  EventLog log(3);
  for (int i = 0; i < 5; ++i) log.push(PageEvent{1000 + i, "role", "change " + std::to_string(i)});
  ASSERT_EQ(log.items().size(), 3u);
  EXPECT_EQ(log.items().front().text, "change 2");
  log.push(PageEvent{2000, "health", "a\ttab and a\nnewline"});
  const auto back = decode_events(encode_events(log.items()));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[2], (PageEvent{2000, "health", "a tab and a newline"}));
  EXPECT_EQ(back[0], (PageEvent{1003, "role", "change 3"}));
}

TEST(EventLog, BadLinesAreSkipped) {
  const auto e = decode_events("x\trole\tno number\n12\tonly two\n\n13\trole\tok\n14x\trole\tbad\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], (PageEvent{13, "role", "ok"}));
}

TEST(EventLog, NewestEventsMergesByTime) {
  std::deque<PageEvent> health = {{5, "health", "b"}, {9, "health", "d"}};
  const auto all = newest_events({{1, "role", "a"}, {7, "role", "c"}}, health, 3);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].text, "d");
  EXPECT_EQ(all[1].text, "c");
  EXPECT_EQ(all[2].text, "b");
}

}  // namespace
}  // namespace tandem::daemon
