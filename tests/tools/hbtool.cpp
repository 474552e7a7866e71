// hbtool: builds heartbeat packets for the netns tests and sends them from a
// third namespace (docs/heartbeat-format.md).
//
//   hbtool send --to ADDR [--port N] [--from ADDR] KEY PACKET [--corrupt-tag]
//               [--count N] [--interval MS]
//   hbtool encode KEY PACKET [--corrupt-tag]
//   hbtool decode KEY HEX
// KEY:    --authkeys FILE [--key-id N]  |  --key-id N --algo ALGO --secret S
// PACKET: --node NAME --generation G --sequence S [--ack G] [--role ROLE]
//         [--priority P] [--flags F] [--version V] [--group NAME]
// --version: 1, 2 (default: no configuration digest, so a daemon compares
// nothing) or 3 (one failover group, --group, default "default", with the
// role and flags; a zero digest).
// With --count N, N datagrams are sent with sequences S, S+1, ...
// Exit codes: 0 ok, 1 error, 2 usage.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "config/authkeys.hpp"
#include "failover/heartbeat_codec.hpp"

namespace {

using namespace tandem;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* const usage_text =
    "usage: hbtool send --to ADDR [--port N] [--from ADDR] KEY PACKET [--corrupt-tag]\n"
    "                   [--count N] [--interval MS]\n"
    "       hbtool encode KEY PACKET [--corrupt-tag]\n"
    "       hbtool decode KEY HEX\n"
    "KEY:    --authkeys FILE [--key-id N] | --key-id N --algo sha256|sha512|sha1|md5 --secret S\n"
    "PACKET: --node NAME --generation G --sequence S [--ack G] [--role ROLE]\n"
    "        [--priority P] [--flags F]\n"
    "ROLE is init (default), backup, active, standby or fault; F is a number or a\n"
    "comma-separated list of relinquish, takeover, leaving.\n";

// Options that take no value; every other option takes exactly one.
bool is_switch(const std::string& name) { return name == "--corrupt-tag"; }

struct Args {
  std::string command;
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::optional<std::string> get(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
  std::string require(const std::string& name) const {
    auto v = get(name);
    if (!v) throw UsageError(name + " is required");
    return *v;
  }
};

Args parse_args(int argc, char** argv) {
  if (argc < 2) throw UsageError("missing command");
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      args.positional.push_back(a);
    } else if (is_switch(a)) {
      args.options[a] = "";
    } else {
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      args.options[a] = argv[++i];
    }
  }
  return args;
}

std::uint64_t parse_number(const std::string& name, const std::string& text, std::uint64_t max) {
  if (text.empty() || text[0] == '-') throw UsageError(name + ": not a number: " + text);
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno != 0 || *end != '\0' || v > max)
    throw UsageError(name + ": not a number in range: " + text);
  return v;
}

failover::Role parse_role(const std::string& text) {
  for (std::uint8_t v = 0; v < 5; ++v) {
    auto role = failover::role_from_wire(v);
    if (role && failover::to_string(*role) == text) return *role;
  }
  throw UsageError("--role: unknown role " + text);
}

std::uint16_t parse_flags(const std::string& text) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])))
    return static_cast<std::uint16_t>(parse_number("--flags", text, 0xffff));
  std::uint16_t flags = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string name = text.substr(pos, comma - pos);
    if (name == "relinquish")
      flags |= failover::flag::relinquish;
    else if (name == "takeover")
      flags |= failover::flag::takeover;
    else if (name == "leaving")
      flags |= failover::flag::leaving;
    else
      throw UsageError("--flags: unknown flag " + name);
    pos = comma + 1;
  }
  return flags;
}

config::HmacAlgorithm parse_algorithm(const std::string& text) {
  for (auto a : {config::HmacAlgorithm::sha256, config::HmacAlgorithm::sha512,
                 config::HmacAlgorithm::sha1, config::HmacAlgorithm::md5})
    if (config::to_string(a) == text) return a;
  throw UsageError("--algo: unknown algorithm " + text);
}

// The keys to sign with (send key) and to verify against.
config::AuthKeys read_keys(const Args& args) {
  if (auto path = args.get("--authkeys")) {
    config::AuthKeysResult result = config::load_authkeys(*path);
    for (const auto& w : result.warnings) std::fprintf(stderr, "%s\n", w.format("warning").c_str());
    if (!result.keys) {
      for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.format().c_str());
      throw std::runtime_error("cannot use authkeys file " + *path);
    }
    config::AuthKeys keys = *result.keys;
    if (auto id = args.get("--key-id")) {
      keys.send_id = static_cast<int>(parse_number("--key-id", *id, 255));
      if (keys.find(keys.send_id) == nullptr)
        throw std::runtime_error("key id " + *id + " is not in " + *path);
    }
    return keys;
  }
  config::AuthKey key;
  key.id = static_cast<int>(parse_number("--key-id", args.require("--key-id"), 255));
  key.algorithm = parse_algorithm(args.require("--algo"));
  key.secret = args.require("--secret");
  return config::AuthKeys{key.id, {key}};
}

failover::Heartbeat read_heartbeat(const Args& args) {
  failover::Heartbeat hb;
  hb.node = args.require("--node");
  if (hb.node.empty() || hb.node.size() > 64) throw UsageError("--node: 1..64 bytes");
  hb.generation = parse_number("--generation", args.require("--generation"), UINT64_MAX);
  hb.sequence = parse_number("--sequence", args.require("--sequence"), UINT64_MAX);
  if (auto v = args.get("--ack")) hb.ack_generation = parse_number("--ack", *v, UINT64_MAX);
  if (auto v = args.get("--role")) hb.role = parse_role(*v);
  if (auto v = args.get("--priority"))
    hb.priority = static_cast<std::uint16_t>(parse_number("--priority", *v, 0xffff));
  if (auto v = args.get("--flags")) hb.flags = parse_flags(*v);
  hb.version = static_cast<std::uint8_t>(parse_number("--version", args.get("--version").value_or("2"), 3));
  if (hb.version == 0) throw UsageError("--version: 1, 2 or 3");
  if (hb.version >= 3) hb.groups = {failover::GroupRole{args.get("--group").value_or("default"), hb.role, hb.flags}};
  return hb;
}

std::vector<std::uint8_t> build(const failover::Heartbeat& hb, const config::AuthKeys& keys,
                                bool corrupt_tag) {
  const config::AuthKey* key = keys.find(keys.send_id);
  if (key == nullptr) throw std::runtime_error("no key with id " + std::to_string(keys.send_id));
  std::vector<std::uint8_t> packet = failover::encode_heartbeat(hb, *key);
  if (corrupt_tag) packet.back() ^= 0x01;
  return packet;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw UsageError("hex input has an odd number of digits");
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const std::string pair = hex.substr(i, 2);
    if (!std::isxdigit(static_cast<unsigned char>(pair[0])) ||
        !std::isxdigit(static_cast<unsigned char>(pair[1])))
      throw UsageError("not a hex string");
    out.push_back(static_cast<std::uint8_t>(std::stoul(pair, nullptr, 16)));
  }
  return out;
}

struct Resolved {
  sockaddr_storage addr{};
  socklen_t length = 0;
  int family = 0;
};

Resolved resolve(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) throw std::runtime_error("bad address " + host + ": " + gai_strerror(rc));
  Resolved out;
  std::memcpy(&out.addr, res->ai_addr, res->ai_addrlen);
  out.length = res->ai_addrlen;
  out.family = res->ai_family;
  freeaddrinfo(res);
  return out;
}

int cmd_send(const Args& args) {
  const config::AuthKeys keys = read_keys(args);
  failover::Heartbeat hb = read_heartbeat(args);
  const std::string port =
      std::to_string(parse_number("--port", args.get("--port").value_or("694"), 65535));
  const Resolved to = resolve(args.require("--to"), port);
  const std::uint64_t count = parse_number("--count", args.get("--count").value_or("1"), UINT64_MAX);
  const std::uint64_t interval_ms =
      parse_number("--interval", args.get("--interval").value_or("0"), 3600 * 1000);

  const int fd = socket(to.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (auto from = args.get("--from")) {
    const Resolved local = resolve(*from, "0");
    if (local.family != to.family) throw UsageError("--from and --to are of different families");
    if (bind(fd, reinterpret_cast<const sockaddr*>(&local.addr), local.length) != 0)
      throw std::runtime_error("bind " + *from + ": " + std::strerror(errno));
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    if (i > 0 && interval_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    const std::vector<std::uint8_t> packet = build(hb, keys, args.has("--corrupt-tag"));
    if (sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to.addr),
               to.length) < 0) {
      const int err = errno;
      close(fd);
      throw std::runtime_error(std::string("sendto: ") + std::strerror(err));
    }
    ++hb.sequence;
  }
  close(fd);
  return 0;
}

int cmd_encode(const Args& args) {
  const config::AuthKeys keys = read_keys(args);
  std::printf("%s\n", to_hex(build(read_heartbeat(args), keys, args.has("--corrupt-tag"))).c_str());
  return 0;
}

int cmd_decode(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("decode takes one hex argument");
  const config::AuthKeys keys = read_keys(args);
  const auto result = failover::decode_heartbeat(from_hex(args.positional[0]), keys);
  if (const auto* reason = std::get_if<failover::Reject>(&result)) {
    std::printf("reject %.*s\n", static_cast<int>(failover::to_string(*reason).size()),
                failover::to_string(*reason).data());
    return 1;
  }
  const auto& hb = std::get<failover::Heartbeat>(result);
  const auto role = failover::to_string(hb.role);
  std::printf("node %s\ngeneration %llu\nsequence %llu\nack %llu\nrole %.*s\npriority %u\nflags 0x%04x\n",
              hb.node.c_str(), static_cast<unsigned long long>(hb.generation),
              static_cast<unsigned long long>(hb.sequence),
              static_cast<unsigned long long>(hb.ack_generation), static_cast<int>(role.size()),
              role.data(), static_cast<unsigned>(hb.priority), static_cast<unsigned>(hb.flags));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse_args(argc, argv);
    if (args.command != "decode" && !args.positional.empty())
      throw UsageError("unexpected argument " + args.positional[0]);
    if (args.command == "send") return cmd_send(args);
    if (args.command == "encode") return cmd_encode(args);
    if (args.command == "decode") return cmd_decode(args);
    if (args.command == "--help" || args.command == "help") {
      std::fputs(usage_text, stdout);
      return 0;
    }
    throw UsageError("unknown command " + args.command);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "hbtool: %s\n%s", e.what(), usage_text);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hbtool: %s\n", e.what());
    return 1;
  }
}
