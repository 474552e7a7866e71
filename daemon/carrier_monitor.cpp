#include "daemon/carrier_monitor.hpp"

#include <linux/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <map>

#include "daemon/log.hpp"

namespace tandem::daemon {
namespace {

namespace asio = boost::asio;

struct SockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
using SockPtr = std::unique_ptr<nl_sock, SockFree>;

bool has_carrier(unsigned flags) { return (flags & IFF_UP) && (flags & IFF_LOWER_UP); }

class NetlinkCarrier final : public CarrierSource {
 public:
  NetlinkCarrier(asio::io_context& io, SockPtr events, SockPtr query)
      : events_(std::move(events)), query_(std::move(query)), fd_(io, nl_socket_get_fd(events_.get())) {
    nl_socket_modify_cb(events_.get(), NL_CB_VALID, NL_CB_CUSTOM, &NetlinkCarrier::on_message, this);
    wait();
  }
  ~NetlinkCarrier() override {
    fd_.release();  // the socket is libnl's
  }

  void watch(std::vector<std::string> names) override {
    std::map<std::string, bool> next;
    for (auto& n : names) {
      auto it = state_.find(n);
      next[n] = it != state_.end() ? it->second : false;
    }
    state_ = std::move(next);
    refresh();
  }
  bool carrier(const std::string& name) const override {
    auto it = state_.find(name);
    return it != state_.end() && it->second;
  }
  void on_change(Changed changed) override { changed_ = std::move(changed); }

 private:
  // Reads every watched interface's state (at the start, after a lost
  // notification).
  void refresh() {
    for (auto& [name, carrier] : state_) {
      rtnl_link* link = nullptr;
      bool now = false;
      if (rtnl_link_get_kernel(query_.get(), 0, name.c_str(), &link) >= 0 && link) {
        now = has_carrier(rtnl_link_get_flags(link));
        rtnl_link_put(link);
      }
      set(name, now);
    }
  }

  void set(const std::string& name, bool carrier) {
    auto it = state_.find(name);
    if (it == state_.end() || it->second == carrier) return;
    it->second = carrier;
    log(carrier ? log_notice : log_warning, "carrier " + std::string(carrier ? "up" : "lost") + " on " + name);
    if (changed_) changed_(name, carrier);
  }

  void wait() {
    fd_.async_wait(asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
      if (ec) return;
      for (;;) {
        const int n = nl_recvmsgs_default(events_.get());
        if (n >= 0) continue;
        if (n == -NLE_NOMEM || n == -NLE_MSG_OVERFLOW) {
          log(log_warning, "link notifications were lost; reading the interfaces again");
          refresh();
        }
        break;  // -NLE_AGAIN: nothing more now
      }
      wait();
    });
  }

  static int on_message(nl_msg* msg, void* arg) {
    auto* self = static_cast<NetlinkCarrier*>(arg);
    std::pair<NetlinkCarrier*, bool> context{self, nlmsg_hdr(msg)->nlmsg_type == RTM_DELLINK};
    nl_msg_parse(
        msg,
        [](nl_object* obj, void* a) {
          auto* pair = static_cast<std::pair<NetlinkCarrier*, bool>*>(a);
          auto* link = reinterpret_cast<rtnl_link*>(obj);
          const char* name = rtnl_link_get_name(link);
          if (!name) return;
          pair->first->set(name, !pair->second && has_carrier(rtnl_link_get_flags(link)));
        },
        &context);
    return NL_OK;
  }

  SockPtr events_;
  SockPtr query_;
  asio::posix::stream_descriptor fd_;
  std::map<std::string, bool> state_;
  Changed changed_;
};

SockPtr open_socket(bool events, std::string* error) {
  SockPtr s(nl_socket_alloc());
  if (!s) {
    *error = "cannot allocate a netlink socket";
    return nullptr;
  }
  if (events) nl_socket_disable_seq_check(s.get());
  if (int err = nl_connect(s.get(), NETLINK_ROUTE); err < 0) {
    *error = std::string("cannot open a NETLINK_ROUTE socket: ") + nl_geterror(err);
    return nullptr;
  }
  if (events) {
    if (int err = nl_socket_add_membership(s.get(), RTNLGRP_LINK); err < 0) {
      *error = std::string("cannot join RTNLGRP_LINK: ") + nl_geterror(err);
      return nullptr;
    }
    nl_socket_set_nonblocking(s.get());
  }
  return s;
}

}  // namespace

std::unique_ptr<CarrierSource> make_netlink_carrier(asio::io_context& io, std::string* error) {
  auto events = open_socket(true, error);
  if (!events) return nullptr;
  auto query = open_socket(false, error);
  if (!query) return nullptr;
  return std::make_unique<NetlinkCarrier>(io, std::move(events), std::move(query));
}

}  // namespace tandem::daemon
