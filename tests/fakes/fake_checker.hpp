// Checkers played by the test over a socketpair, for the engine's checker
// link: spawn/reap/kill adapters that record what each played checker was
// told, and answer as the test says (or not at all: a stalled checker).
#pragma once
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/checker_channel.hpp"
#include "daemon/checker_link.hpp"

namespace tandem::testing {

struct PlayedChecker {
  long pid = 0;
  bool restarted = false;
  bool answer_pings = true;
  bool answer_configure = true;
  bool killed = false;
  std::vector<daemon::checker::Message> got;
  std::shared_ptr<daemon::CheckerChannel> channel;

  template <class M>
  std::vector<M> all() const {
    std::vector<M> out;
    for (const auto& m : got)
      if (auto* x = std::get_if<M>(&m)) out.push_back(*x);
    return out;
  }
  void send(const daemon::checker::Message& m) { channel->send(m); }
  // The process ends (a crash): the engine sees its end of the pair close.
  void crash() { channel->close(); }
};

class FakeCheckers {
 public:
  explicit FakeCheckers(boost::asio::io_context& io) : io_(io) {}

  // How a played checker answers a Configure: ok unless the text contains
  // `refuse_marker`. Called only while answer_configure is set.
  std::function<daemon::checker::Configured(const daemon::checker::Configure&)> configure_answer =
      [this](const daemon::checker::Configure& c) {
        const bool bad = !refuse_marker.empty() && c.text.find(refuse_marker) != std::string::npos;
        return daemon::checker::Configured{c.id, !bad, bad ? refuse_message : ""};
      };
  std::string refuse_marker;
  std::string refuse_message = "line 1: refused";
  // Each new checker answers pings and configurations as these say.
  bool new_answer_pings = true;
  bool new_answer_configure = true;
  // Sent after each Configured that was ok (status's checker part).
  std::optional<daemon::checker::Snapshot> snapshot;
  int fail_spawns = 0;

  std::vector<std::shared_ptr<PlayedChecker>> played;
  std::vector<std::chrono::steady_clock::time_point> spawned_at;
  std::vector<long> reaped;

  daemon::SpawnChecker spawner() {
    return [this](bool restarted) -> std::variant<daemon::SpawnedChecker, std::string> {
      if (fail_spawns > 0) {
        --fail_spawns;
        return std::string("fork: Resource temporarily unavailable");
      }
      int sv[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return std::string("socketpair failed");
      auto p = std::make_shared<PlayedChecker>();
      p->pid = 1000 + long(played.size());
      p->restarted = restarted;
      p->answer_pings = new_answer_pings;
      p->answer_configure = new_answer_configure;
      spawned_at.push_back(std::chrono::steady_clock::now());
      PlayedChecker* raw = p.get();
      p->channel = std::make_shared<daemon::CheckerChannel>(
          io_, sv[1], [this, raw](daemon::checker::Message m) { on_engine_message(*raw, std::move(m)); },
          [](const std::string&) {});
      p->channel->start();
      played.push_back(p);
      return daemon::SpawnedChecker{p->pid, sv[0]};
    };
  }
  daemon::ReapChecker reaper() {
    return [this](long pid) {
      reaped.push_back(pid);
      for (auto& p : played)
        if (p->pid == pid && p->killed) return std::string("killed by signal 9 (Killed)");
      return std::string("exited with status 3");
    };
  }
  daemon::KillChecker killer() {
    return [this](long pid) {
      for (auto& p : played)
        if (p->pid == pid) {
          p->killed = true;
          p->crash();
        }
    };
  }

  PlayedChecker& last() { return *played.back(); }

 private:
  void on_engine_message(PlayedChecker& p, daemon::checker::Message m) {
    using namespace daemon::checker;
    p.got.push_back(m);
    if (auto* c = std::get_if<Configure>(&m); c && p.answer_configure) {
      auto answer = configure_answer(*c);
      p.send(answer);
      if (answer.ok && snapshot) p.send(*snapshot);
    }
    if (auto* ping = std::get_if<Ping>(&m); ping && p.answer_pings) p.send(Pong{ping->id, 1500});
    if (auto* f = std::get_if<Forward>(&m)) p.send(ForwardApplied{f->on});
    if (std::holds_alternative<Stop>(m)) p.crash();  // exits
  }

  boost::asio::io_context& io_;
};

}  // namespace tandem::testing
