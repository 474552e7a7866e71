// ipvsctl: drives the netlink IpvsTable by hand, to check it against the real
// kernel (vm tier) and ipvsadm.
//
//   ipvsctl dump                       the table, one line per service and per dest
//   ipvsctl apply [FILE]               operations, one per line (stdin without FILE),
//                                      in one apply(); failures on stdout, exit 1 if any
//   ipvsctl apply-demo                 a few operations, two of them failing on purpose
//   ipvsctl bulk SERVICES DESTS [del]  NEW (or DEL) SERVICES x DESTS in one apply(), timed
//   ipvsctl daemons                    the running sync daemons
//   ipvsctl start-daemon master|backup IFACE SYNCID [group=G] [port=P] [ttl=T] [maxlen=M]
//   ipvsctl stop-daemon master|backup
//   ipvsctl open                       only resolve the family (loads ip_vs if needed)
//
// Operation lines (services as tcp:ADDR:PORT, udp:[V6]:PORT, sctp:..., fwm:N, fwm6:N):
//   new-service SVC SCHED [persistent=SECONDS] [netmask=MASK|PREFIX] [flags=N]
//   set-service SVC SCHED [...]
//   del-service SVC
//   new-dest SVC ADDR:PORT dr|nat|tun|local [weight=N] [u=N] [l=N] [tun=ipip|gue|gre] [tunport=N] [tunflags=N]
//   set-dest SVC ADDR:PORT ...
//   del-dest SVC ADDR:PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ipvs/ipvs_table.hpp"

using namespace tandem;
using namespace tandem::ipvs;

namespace {

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "ipvsctl: %s\n", why.c_str());
  std::exit(2);
}

config::IpAddress parse_ip(const std::string& text) {
  auto a = config::IpAddress::parse(text);
  if (!a) throw std::invalid_argument("bad address " + text);
  return *a;
}

std::uint32_t number(const std::string& text) {
  std::size_t used = 0;
  const unsigned long v = std::stoul(text, &used, 0);
  if (used != text.size()) throw std::invalid_argument("bad number " + text);
  return static_cast<std::uint32_t>(v);
}

// "10.0.0.1:80" or "[2001:db8::1]:80"
std::pair<config::IpAddress, std::uint16_t> parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("no port in " + text);
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {parse_ip(host), static_cast<std::uint16_t>(number(text.substr(colon + 1)))};
}

ServiceKey parse_service_key(const std::string& text) {
  ServiceKey k;
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw std::invalid_argument("bad service " + text);
  const std::string kind = text.substr(0, colon), rest = text.substr(colon + 1);
  if (kind == "fwm" || kind == "fwm6") {
    k.af = kind == "fwm" ? AF_INET : AF_INET6;
    k.fwmark = number(rest);
    return k;
  }
  if (kind == "tcp") k.protocol = IPPROTO_TCP;
  else if (kind == "udp") k.protocol = IPPROTO_UDP;
  else if (kind == "sctp") k.protocol = IPPROTO_SCTP;
  else throw std::invalid_argument("bad protocol " + kind);
  std::tie(k.address, k.port) = parse_endpoint(rest);
  k.af = k.address.family;
  return k;
}

// "255.255.255.0" -> 0xffffff00 (the model keeps IPv4 masks in host order)
std::uint32_t ipv4_mask(const std::string& text) {
  const auto a = parse_ip(text);
  std::uint32_t be;
  std::memcpy(&be, a.bytes.data(), 4);
  return ntohl(be);
}

Forwarding parse_forwarding(const std::string& text) {
  if (text == "dr") return Forwarding::droute;
  if (text == "nat") return Forwarding::masq;
  if (text == "tun") return Forwarding::tunnel;
  if (text == "local") return Forwarding::local;
  throw std::invalid_argument("bad forwarding " + text);
}

// key=value options after the positional words.
std::vector<std::pair<std::string, std::string>> options(const std::vector<std::string>& words, std::size_t from) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = from; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) throw std::invalid_argument("expected key=value, got " + words[i]);
    out.emplace_back(words[i].substr(0, eq), words[i].substr(eq + 1));
  }
  return out;
}

Operation parse_operation(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string word; in >> word;) w.push_back(word);
  auto need = [&](std::size_t n) {
    if (w.size() < n) throw std::invalid_argument("too few words in: " + line);
  };
  need(2);
  const std::string verb = w[0];
  const ServiceKey key = parse_service_key(w[1]);
  if (verb == "new-service" || verb == "set-service") {
    need(3);
    Service s;
    s.key = key;
    s.scheduler = w[2];
    s.netmask = key.af == AF_INET6 ? 128 : 0xffffffff;
    for (const auto& [k, v] : options(w, 3)) {
      if (k == "persistent") s.timeout = number(v), s.flags |= svc_flag::persistent;
      else if (k == "flags") s.flags |= number(v);
      else if (k == "netmask" && key.af == AF_INET6) s.netmask = number(v);
      else if (k == "netmask") s.netmask = ipv4_mask(v);
      else throw std::invalid_argument("unknown option " + k);
    }
    if (verb == "new-service") return NewService{s};
    return SetService{s};
  }
  if (verb == "del-service") return DelService{key};
  need(3);
  DestKey dk;
  std::tie(dk.address, dk.port) = parse_endpoint(w[2]);
  if (verb == "del-dest") return DelDest{key, dk};
  need(4);
  Destination d;
  d.key = dk;
  d.forwarding = parse_forwarding(w[3]);
  for (const auto& [k, v] : options(w, 4)) {
    if (k == "weight") d.weight = static_cast<std::int32_t>(std::stol(v));
    else if (k == "u") d.upper_threshold = number(v);
    else if (k == "l") d.lower_threshold = number(v);
    else if (k == "tun") d.tunnel_type = v == "gue" ? TunnelType::gue : v == "gre" ? TunnelType::gre : TunnelType::ipip;
    else if (k == "tunport") d.tunnel_port = static_cast<std::uint16_t>(number(v));
    else if (k == "tunflags") d.tunnel_flags = static_cast<std::uint16_t>(number(v));
    else throw std::invalid_argument("unknown option " + k);
  }
  if (verb == "new-dest") return NewDest{key, d};
  if (verb == "set-dest") return SetDest{key, d};
  throw std::invalid_argument("unknown operation " + verb);
}

const char* forwarding_name(Forwarding f) {  // as ipvsadm -L prints them
  switch (f) {
    case Forwarding::masq: return "Masq";
    case Forwarding::local: return "Local";
    case Forwarding::tunnel: return "Tunnel";
    case Forwarding::droute: return "Route";
  }
  return "?";
}

std::string netmask_text(const Service& s) {
  if (s.key.af == AF_INET6) return std::to_string(s.netmask);
  config::IpAddress a;
  a.family = AF_INET;
  const std::uint32_t be = htonl(s.netmask);
  std::memcpy(a.bytes.data(), &be, 4);
  return a.str();
}

std::unique_ptr<IpvsTable> open_table() {
  auto t = open_netlink_table();
  if (t.index() == 1) die(std::get<1>(t));
  return std::move(std::get<0>(t));
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int report(const std::vector<Operation>& ops, const ApplyResult& r, double ms) {
  for (const auto& f : r.failures)
    std::printf("FAIL %zu errno=%d %s\n", f.index, f.error, f.message.c_str());
  std::printf("applied %zu operations, %zu failed, %.1f ms\n", ops.size(), r.failures.size(), ms);
  return r.ok() ? 0 : 1;
}

int cmd_dump() {
  auto t = open_table();
  auto table = t->dump();
  if (table.index() == 1) die(std::get<1>(table));
  for (const auto& e : std::get<0>(table)) {
    const auto& s = e.service;
    std::printf("%s %s flags=0x%x timeout=%u netmask=%s\n", s.key.str().c_str(), s.scheduler.c_str(), s.flags,
                s.timeout, netmask_text(s).c_str());
    for (const auto& d : e.dests) {
      std::printf("  -> %s %s weight=%d u=%u l=%u active=%u inactive=%u", d.key.str().c_str(),
                  forwarding_name(d.forwarding), d.weight, d.upper_threshold, d.lower_threshold,
                  d.stats.active_conns, d.stats.inactive_conns);
      if (d.forwarding == Forwarding::tunnel)
        std::printf(" tun=%s:%u:0x%x",
                    d.tunnel_type == TunnelType::gue ? "gue" : d.tunnel_type == TunnelType::gre ? "gre" : "ipip",
                    d.tunnel_port, d.tunnel_flags);
      std::printf(" conns=%llu inpkts=%llu\n", static_cast<unsigned long long>(d.stats.connections),
                  static_cast<unsigned long long>(d.stats.in_packets));
    }
  }
  return 0;
}

int cmd_apply(std::istream& in) {
  std::vector<Operation> ops;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    try {
      ops.push_back(parse_operation(line));
    } catch (const std::exception& e) {
      die(e.what());
    }
  }
  auto t = open_table();
  const auto start = std::chrono::steady_clock::now();
  auto r = t->apply(ops);
  return report(ops, r, ms_since(start));
}

int cmd_apply_demo() {
  std::istringstream demo(
      "new-service tcp:10.0.0.100:80 wlc\n"
      "new-dest tcp:10.0.0.100:80 10.0.0.11:80 dr weight=1\n"
      "new-dest tcp:10.0.0.100:80 10.0.0.12:80 dr weight=2\n"
      "new-dest tcp:10.0.0.100:80 10.0.0.11:80 dr weight=1\n"    // EEXIST
      "set-dest tcp:10.0.0.100:80 10.0.0.12:80 dr weight=5\n"
      "new-dest tcp:10.0.0.101:80 10.0.0.11:80 dr weight=1\n"    // ESRCH
      "del-dest tcp:10.0.0.100:80 10.0.0.13:80\n"                // ENOENT
      "set-dest tcp:10.0.0.100:80 10.0.0.12:80 dr weight=-1\n"); // ERANGE
  return cmd_apply(demo);
}

int cmd_bulk(std::size_t services, std::size_t dests, bool del) {
  std::vector<Operation> ops;
  for (std::size_t i = 0; i < services; ++i) {
    Service s;
    s.key.af = AF_INET;
    s.key.protocol = IPPROTO_TCP;
    s.key.address = parse_ip("10.100." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
    s.key.port = 80;
    s.scheduler = "wlc";
    s.netmask = 0xffffffff;
    if (del) {
      ops.push_back(DelService{s.key});
      continue;
    }
    ops.push_back(NewService{s});
    for (std::size_t j = 0; j < dests; ++j) {
      Destination d;
      d.key.address = parse_ip("10.200." + std::to_string(j) + "." + std::to_string(i % 250 + 1));
      d.key.port = 80;
      d.weight = 1;
      ops.push_back(NewDest{s.key, d});
    }
  }
  auto t = open_table();
  const auto start = std::chrono::steady_clock::now();
  auto r = t->apply(ops);
  return report(ops, r, ms_since(start));
}

int cmd_daemons() {
  auto t = open_table();
  auto ds = t->daemons();
  if (ds.index() == 1) die(std::get<1>(ds));
  for (const auto& d : std::get<0>(ds))
    std::printf("%s %s syncid=%u maxlen=%u group=%s port=%u ttl=%u\n",
                d.state == SyncState::master ? "master" : "backup", d.interface.c_str(), d.syncid, d.maxlen,
                d.group ? d.group->str().c_str() : "-", d.port, d.ttl);
  return 0;
}

int cmd_start_daemon(const std::vector<std::string>& args) {
  if (args.size() < 3) die("start-daemon master|backup IFACE SYNCID [key=value...]");
  SyncDaemon d;
  d.state = args[0] == "master" ? SyncState::master : SyncState::backup;
  d.interface = args[1];
  d.syncid = number(args[2]);
  for (const auto& [k, v] : options(args, 3)) {
    if (k == "group") d.group = parse_ip(v);
    else if (k == "port") d.port = static_cast<std::uint16_t>(number(v));
    else if (k == "ttl") d.ttl = static_cast<std::uint8_t>(number(v));
    else if (k == "maxlen") d.maxlen = static_cast<std::uint16_t>(number(v));
    else die("unknown option " + k);
  }
  auto t = open_table();
  if (auto err = t->start_daemon(d)) {
    std::printf("FAIL %s\n", err->c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) die("usage: ipvsctl dump|apply|apply-demo|bulk|daemons|start-daemon|stop-daemon|open");
  const std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "dump") return cmd_dump();
    if (cmd == "apply" && args.empty()) return cmd_apply(std::cin);
    if (cmd == "apply") {
      std::ifstream in(args[0]);
      if (!in) die("cannot read " + args[0]);
      return cmd_apply(in);
    }
    if (cmd == "apply-demo") return cmd_apply_demo();
    if (cmd == "bulk" && args.size() >= 2)
      return cmd_bulk(number(args[0]), number(args[1]), args.size() > 2 && args[2] == "del");
    if (cmd == "daemons") return cmd_daemons();
    if (cmd == "start-daemon") return cmd_start_daemon(args);
    if (cmd == "stop-daemon" && args.size() == 1) {
      auto t = open_table();
      if (auto err = t->stop_daemon(args[0] == "master" ? SyncState::master : SyncState::backup)) {
        std::printf("FAIL %s\n", err->c_str());
        return 1;
      }
      return 0;
    }
    if (cmd == "open") {
      open_table();
      std::printf("IPVS family resolved\n");
      return 0;
    }
  } catch (const std::exception& e) {
    die(e.what());
  }
  die("unknown command " + cmd);
}
