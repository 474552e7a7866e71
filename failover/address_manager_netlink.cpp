// AddressManager on rtnetlink (libnl-route-3) and AF_PACKET sockets
// (REFERENCE "Addresses, GARP, NA"). This is the only file that includes
// netlink and packet-socket headers.
//
// Threading: one instance belongs to one thread (the daemon's io_context);
// every call is a short synchronous netlink round trip or one send().
#include "failover/address_manager.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "failover/announce_frames.hpp"

namespace tandem::failover {
namespace {

constexpr std::size_t kMaxLabelLength = IFNAMSIZ - 1;  // 15 characters

std::string errno_text(int err) { return std::generic_category().message(err); }

std::string nl_text(int err) { return nl_geterror(err); }

std::string format_address(const config::IpAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.family != AF_INET && address.family != AF_INET6) return "(no address)";
  if (inet_ntop(address.family, address.bytes.data(), text, sizeof text) == nullptr) {
    return "(bad address)";
  }
  return text;
}

// "10.0.0.100/24 on eth0"
std::string describe(const config::Vip& vip) {
  return format_address(vip.address.address) + "/" + std::to_string(vip.address.length) +
         " on " + vip.interface;
}

// "add 10.0.0.100/24 on eth0: <reason>"
OpError failure(const char* verb, const config::Vip& vip, const std::string& reason) {
  return std::string(verb) + " " + describe(vip) + ": " + reason;
}

std::size_t address_length(int family) {
  return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

// Owning file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct NlSockFree {
  void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct RtnlAddrPut {
  void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
struct NlAddrPut {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct NlCacheFree {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using NlSockPtr = std::unique_ptr<nl_sock, NlSockFree>;
using RtnlAddrPtr = std::unique_ptr<rtnl_addr, RtnlAddrPut>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrPut>;
using NlCachePtr = std::unique_ptr<nl_cache, NlCacheFree>;

// The interface index, or 0 with errno set (ENODEV for an unknown name).
unsigned interface_index(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    errno = ENODEV;
    return 0;
  }
  return if_nametoindex(name.c_str());
}

std::string describe_unresolved(const std::string& name, int err) {
  if (err == ENODEV || err == ENXIO) return "no such interface \"" + name + "\"";
  return "cannot resolve interface \"" + name + "\": " + errno_text(err);
}

// One address of an interface as the kernel reports it.
struct KernelAddress {
  int prefix_length = 0;
  std::string label;
};

class NetlinkAddressManager final : public AddressManager {
 public:
  NetlinkAddressManager() : sock_(nl_socket_alloc()) {
    if (!sock_) throw std::runtime_error("address manager: cannot allocate a netlink socket");
    if (int err = nl_connect(sock_.get(), NETLINK_ROUTE); err < 0) {
      throw std::runtime_error("address manager: cannot open a NETLINK_ROUTE socket: " +
                               nl_text(err));
    }
  }

  OpError add(const config::Vip& vip) override {
    unsigned ifindex = 0;
    if (auto error = validate("add", vip, ifindex)) return error;
    RtnlAddrPtr request;
    if (auto error = make_request("add", vip, ifindex, vip.address.length, vip.label, request)) {
      return error;
    }
    if (vip.address.address.family == AF_INET6) rtnl_addr_set_flags(request.get(), IFA_F_NODAD);
    int err = rtnl_addr_add(sock_.get(), request.get(), 0);
    if (err < 0 && err != -NLE_EXIST) return failure("add", vip, nl_text(err));
    return std::nullopt;
  }

  // Deletes the configured prefix length and label; then, so that holds() is
  // false afterwards, any other instance of the same address on the
  // interface (a leftover from an older configuration). An interface that
  // does not exist cannot carry the address, which counts as success.
  OpError remove(const config::Vip& vip) override {
    unsigned ifindex = 0;
    bool unknown_interface = false;
    if (auto error = validate("remove", vip, ifindex, &unknown_interface)) {
      if (unknown_interface) return std::nullopt;
      return error;
    }
    if (auto error = remove_one("remove", vip, ifindex, vip.address.length, vip.label)) {
      return error;
    }
    std::vector<KernelAddress> leftovers;
    if (int err = find(vip, ifindex, leftovers); err < 0) {
      return failure("remove", vip, "cannot list addresses: " + nl_text(err));
    }
    for (const auto& leftover : leftovers) {
      if (auto error =
              remove_one("remove", vip, ifindex, leftover.prefix_length, leftover.label)) {
        return error;
      }
    }
    return std::nullopt;
  }

  bool holds(const config::Vip& vip) override {
    unsigned ifindex = 0;
    if (validate("query", vip, ifindex)) return false;
    std::vector<KernelAddress> found;
    if (find(vip, ifindex, found) < 0) return false;
    return !found.empty();
  }

  OpError announce(const config::Vip& vip) override {
    const config::IpAddress& address = vip.address.address;
    unsigned ifindex = 0;
    if (auto error = validate("announce", vip, ifindex)) return error;

    Mac mac{};
    std::vector<std::uint8_t> frame;
    ssize_t sent = -1;
    // A cached socket whose interface was deleted and recreated with the
    // same index fails with ENXIO/ENODEV; retry once on a fresh socket.
    for (int attempt = 0; attempt < 2; ++attempt) {
      PacketSocket* packet = nullptr;
      bool fresh = false;
      if (auto error = packet_socket(vip, ifindex, packet, fresh)) return error;
      if (auto error = hardware_address(vip, packet->fd.get(), mac)) return error;
      frame = address.family == AF_INET ? build_gratuitous_arp(mac, address)
                                        : build_unsolicited_na(mac, address);
      sent = ::send(packet->fd.get(), frame.data(), frame.size(), MSG_DONTWAIT);
      if (sent >= 0) break;
      int err = errno;
      // Whatever went wrong, the next call starts from a fresh socket.
      sockets_.erase(vip.interface);
      if (fresh || (err != ENXIO && err != ENODEV)) {
        return failure("announce", vip, "send: " + errno_text(err));
      }
    }
    if (sent < 0) return failure("announce", vip, "send: interface went away");
    if (static_cast<std::size_t>(sent) != frame.size()) {
      return failure("announce", vip,
                     "short send (" + std::to_string(sent) + " of " +
                         std::to_string(frame.size()) + " bytes)");
    }
    return std::nullopt;
  }

 private:
  struct PacketSocket {
    Fd fd;
    unsigned ifindex = 0;
  };

  // Checks the address and resolves the interface name to its index.
  // unknown_interface is set when the name does not exist.
  OpError validate(const char* verb, const config::Vip& vip, unsigned& ifindex,
                   bool* unknown_interface = nullptr) {
    const config::IpAddress& address = vip.address.address;
    std::size_t bytes = address_length(address.family);
    if (bytes == 0) return failure(verb, vip, "not an IPv4 or IPv6 address");
    if (vip.address.length < 0 || vip.address.length > static_cast<int>(bytes * 8)) {
      return failure(verb, vip, "prefix length out of range");
    }
    ifindex = interface_index(vip.interface);
    if (ifindex == 0) {
      int err = errno;
      if (unknown_interface != nullptr) *unknown_interface = err == ENODEV || err == ENXIO;
      return failure(verb, vip, describe_unresolved(vip.interface, err));
    }
    return std::nullopt;
  }

  // An rtnl_addr naming ifindex, family, local address, prefix length and,
  // for IPv4, the label (empty: the kernel uses the interface name).
  OpError make_request(const char* verb, const config::Vip& vip, unsigned ifindex,
                       int prefix_length, const std::string& label, RtnlAddrPtr& out) {
    const config::IpAddress& address = vip.address.address;
    RtnlAddrPtr request(rtnl_addr_alloc());
    NlAddrPtr local(nl_addr_build(address.family, address.bytes.data(),
                                  address_length(address.family)));
    if (!request || !local) return failure(verb, vip, "out of memory");
    rtnl_addr_set_ifindex(request.get(), static_cast<int>(ifindex));
    rtnl_addr_set_family(request.get(), address.family);
    if (int err = rtnl_addr_set_local(request.get(), local.get()); err < 0) {
      return failure(verb, vip, "local address: " + nl_text(err));
    }
    // rtnl_addr_set_local resets the prefix length; set it afterwards.
    rtnl_addr_set_prefixlen(request.get(), prefix_length);
    if (address.family == AF_INET && !label.empty()) {
      if (label.size() > kMaxLabelLength) {
        return failure(verb, vip,
                       "label \"" + label + "\" is longer than " +
                           std::to_string(kMaxLabelLength) + " characters");
      }
      if (int err = rtnl_addr_set_label(request.get(), label.c_str()); err < 0) {
        return failure(verb, vip, "label \"" + label + "\": " + nl_text(err));
      }
    }
    out = std::move(request);
    return std::nullopt;
  }

  OpError remove_one(const char* verb, const config::Vip& vip, unsigned ifindex,
                     int prefix_length, const std::string& label) {
    RtnlAddrPtr request;
    if (auto error = make_request(verb, vip, ifindex, prefix_length, label, request)) {
      return error;
    }
    int err = rtnl_addr_delete(sock_.get(), request.get(), 0);
    if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND) {
      return failure(verb, vip, nl_text(err));
    }
    return std::nullopt;
  }

  // Every address on ifindex equal to the VIP's address, any prefix length.
  // Returns 0 or a negative libnl error.
  int find(const config::Vip& vip, unsigned ifindex, std::vector<KernelAddress>& found) {
    const config::IpAddress& address = vip.address.address;
    const std::size_t bytes = address_length(address.family);
    nl_cache* raw = nullptr;
    if (int err = rtnl_addr_alloc_cache(sock_.get(), &raw); err < 0) return err;
    NlCachePtr cache(raw);
    for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr;
         object = nl_cache_get_next(object)) {
      auto* entry = reinterpret_cast<rtnl_addr*>(object);
      if (rtnl_addr_get_ifindex(entry) != static_cast<int>(ifindex)) continue;
      if (rtnl_addr_get_family(entry) != address.family) continue;
      nl_addr* local = rtnl_addr_get_local(entry);
      if (local == nullptr || nl_addr_get_len(local) != bytes) continue;
      if (std::memcmp(nl_addr_get_binary_addr(local), address.bytes.data(), bytes) != 0) {
        continue;
      }
      KernelAddress match;
      match.prefix_length = rtnl_addr_get_prefixlen(entry);
      if (address.family == AF_INET && rtnl_addr_get_label(entry) != nullptr) {
        match.label = rtnl_addr_get_label(entry);
      }
      found.push_back(std::move(match));
    }
    return 0;
  }

  // The cached packet socket for the interface, reopened when the interface
  // was recreated under the same name (a new index).
  OpError packet_socket(const config::Vip& vip, unsigned ifindex, PacketSocket*& out,
                        bool& fresh) {
    auto it = sockets_.find(vip.interface);
    if (it != sockets_.end() && it->second.ifindex == ifindex) {
      out = &it->second;
      fresh = false;
      return std::nullopt;
    }
    fresh = true;
    if (it != sockets_.end()) sockets_.erase(it);

    // Protocol 0: this socket only sends and never receives frames.
    Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) return failure("announce", vip, "packet socket: " + errno_text(errno));
    sockaddr_ll bound{};
    bound.sll_family = AF_PACKET;
    bound.sll_ifindex = static_cast<int>(ifindex);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&bound), sizeof bound) < 0) {
      return failure("announce", vip, "bind packet socket: " + errno_text(errno));
    }
    PacketSocket& slot = sockets_[vip.interface];
    slot.fd = std::move(fd);
    slot.ifindex = ifindex;
    out = &slot;
    return std::nullopt;
  }

  // Read on every announcement, so a changed MAC is picked up.
  OpError hardware_address(const config::Vip& vip, int fd, Mac& mac) {
    ifreq request{};
    std::memcpy(request.ifr_name, vip.interface.data(), vip.interface.size());
    if (::ioctl(fd, SIOCGIFHWADDR, &request) < 0) {
      return failure("announce", vip, "read MAC address: " + errno_text(errno));
    }
    if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
      return failure("announce", vip,
                     "not an Ethernet interface (hardware type " +
                         std::to_string(request.ifr_hwaddr.sa_family) + ")");
    }
    std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
    return std::nullopt;
  }

  NlSockPtr sock_;
  std::map<std::string, PacketSocket> sockets_;  // by interface name
};

}  // namespace

std::unique_ptr<AddressManager> make_netlink_address_manager() {
  return std::make_unique<NetlinkAddressManager>();
}

InterfaceState query_interface(const std::string& name) {
  InterfaceState state;
  if (name.empty() || name.size() >= IFNAMSIZ) return state;
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) fd = Fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return state;
  ifreq request{};
  std::memcpy(request.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), SIOCGIFFLAGS, &request) < 0) return state;
  state.exists = true;
  state.up = (request.ifr_flags & IFF_UP) != 0;
  state.running = (request.ifr_flags & IFF_RUNNING) != 0;
  return state;
}

}  // namespace tandem::failover
