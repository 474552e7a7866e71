// The heartbeat links of the engine: their slots, opening and retrying
// them, the replay state and counters of each, and the rate-limited log of
// rejected packets. It turns what happens on the links into state-machine
// events and returns them; the director feeds them to failover::step.
#pragma once
#include <boost/asio/io_context.hpp>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "config/authkeys.hpp"
#include "config/config.hpp"
#include "daemon/heartbeat_link.hpp"
#include "daemon/status_report.hpp"
#include "failover/heartbeat_codec.hpp"
#include "failover/peer_state.hpp"

namespace tandem::daemon {

class LinkBank {
 public:
  // Heartbeats that arrive while the loop waits are handed to `sink`.
  using Sink = std::function<void(failover::Event)>;

  // `make_link` makes each link's transport (make_udp_link()).
  LinkBank(boost::asio::io_context& io, const config::Config& cfg, std::uint64_t generation, Sink sink,
           MakeLink make_link);
  ~LinkBank();

  void set_keys(config::AuthKeys keys) { keys_ = std::move(keys); }
  const config::AuthKeys& keys() const { return keys_; }

  // Opens every link; one that cannot be opened yet is retried by send().
  void open_all();
  // A reload, as ConfigDiff::links_kept says: for each of `cfg.links`, the
  // old link that keeps its socket and replay state, or nullopt (opened);
  // old links not kept are closed. How many were opened.
  std::size_t reconfigure(const config::Config& cfg, const std::vector<std::optional<std::size_t>>& kept);
  void close_all();

  // Sends `hb` on every open link, each datagram with its own sequence
  // number; retries opening the closed ones. The LinkLocal events of links
  // whose local state changed.
  std::vector<failover::Event> send(failover::Heartbeat hb);
  // Reads what waits in every socket now: the newest HeartbeatIn of each
  // link, newest first.
  std::vector<failover::Event> drain();

  HeartbeatCounters counters() const;
  std::uint64_t peer_generation() const;
  // The heartbeat version to send: the one the peer last spoke, 4 before
  // it was heard.
  std::uint8_t peer_version() const { return peer_version_; }
  std::uint64_t ack_generation() const;

 private:
  struct Slot {
    std::shared_ptr<HeartbeatLink> link;
    failover::HeartbeatReceiver receiver;
    bool local_up = true;
    bool send_failing = false;
    bool open_failing = false;
    // Rejections are logged at warning at most once a minute per reason.
    std::array<std::optional<failover::TimePoint>, failover::reject_reason_count> warned_at{};
    std::array<std::uint64_t, failover::reject_reason_count> unreported{};
  };

  std::unique_ptr<Slot> make_slot(const config::Link& link);
  void open(Slot& slot);
  std::optional<failover::Event> receive(const HeartbeatLink* link, std::span<const std::uint8_t> packet,
                                         HeartbeatLink::Arrival arrived);

  boost::asio::io_context& io_;
  MakeLink make_link_;
  std::string own_name_;
  std::string peer_name_;
  std::uint16_t port_;
  std::uint64_t generation_;
  Sink sink_;
  config::AuthKeys keys_;
  std::vector<std::unique_ptr<Slot>> slots_;
  HeartbeatCounters retired_;  // counts of links closed by reloads
  std::uint64_t sequence_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t send_errors_ = 0;
  std::uint8_t peer_version_ = 4;
};

}  // namespace tandem::daemon
