// Recording fake of daemon::HeartbeatLink: what the engine sent on each
// link, and datagrams the test delivers, with the arrival time it chooses.
// A FakeLinks is the MakeLink of the engine under test and keeps every link
// it made, by link name (the newest one of that name).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/heartbeat_link.hpp"

namespace tandem::testing {

class FakeHeartbeatLink final : public daemon::HeartbeatLink {
 public:
  FakeHeartbeatLink(boost::asio::io_context& io, config::Link link)
      : link_(std::move(link)), wake_(io, boost::asio::steady_timer::time_point::max()) {}

  // Packets the engine sent, in order.
  std::vector<std::vector<std::uint8_t>> sent;
  // open() fails with this reason while set.
  std::optional<std::string> fail_open;
  // send() fails with this reason while set.
  std::optional<std::string> fail_send;
  int opened = 0;

  // A datagram reaches the socket at `arrived`. With `wake` false the
  // engine is not told it is readable (its loop was busy): it sees the
  // packet only when it drains the link on its own, before a deadline.
  void deliver(std::vector<std::uint8_t> packet, Arrival arrived, bool wake = true) {
    inbox_.push_back({std::move(packet), arrived});
    if (wake) wake_.cancel();
  }
  std::size_t waiting() const { return inbox_.size(); }

  std::optional<std::string> open() override {
    if (fail_open) return *fail_open;
    open_ = true;
    ++opened;
    return std::nullopt;
  }
  bool is_open() const override { return open_; }
  void close() override {
    open_ = false;
    wake_.cancel();
  }
  const config::Link& link() const override { return link_; }
  std::optional<std::string> send(std::span<const std::uint8_t> packet) override {
    if (!open_) return std::string("link " + link_.name + " is closed");
    if (fail_send) return *fail_send;
    sent.emplace_back(packet.begin(), packet.end());
    return std::nullopt;
  }
  boost::asio::awaitable<bool> wait_readable() override {
    for (;;) {
      if (!open_) co_return false;
      if (!inbox_.empty()) co_return true;
      wake_.expires_at(boost::asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await wake_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
  }
  std::size_t drain(const Handler& on_packet) override {
    std::size_t n = 0;
    while (open_ && !inbox_.empty()) {
      auto [packet, at] = std::move(inbox_.front());
      inbox_.pop_front();
      on_packet(packet, at);
      ++n;
    }
    return n;
  }

 private:
  config::Link link_;
  bool open_ = false;
  boost::asio::steady_timer wake_;
  std::deque<std::pair<std::vector<std::uint8_t>, Arrival>> inbox_;
};

class FakeLinks {
 public:
  daemon::MakeLink maker() {
    return [this](boost::asio::io_context& io, const config::Link& link,
                  std::uint16_t) -> std::shared_ptr<daemon::HeartbeatLink> {
      auto l = std::make_shared<FakeHeartbeatLink>(io, link);
      by_name[link.name] = l;
      ++made;
      return l;
    };
  }
  FakeHeartbeatLink& operator[](const std::string& name) { return *by_name.at(name); }

  std::map<std::string, std::shared_ptr<FakeHeartbeatLink>> by_name;
  int made = 0;
};

}  // namespace tandem::testing
