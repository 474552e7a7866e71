#include "daemon/checker_protocol.hpp"

#include <type_traits>

#include "failover/big_endian.hpp"

namespace tandem::daemon::checker {
namespace {

using failover::get_be;
using failover::put_be;

// The type byte of each message is its index in Message, plus one.
template <class T, std::size_t I = 0>
constexpr std::uint8_t type_of() {
  if constexpr (std::is_same_v<T, std::variant_alternative_t<I, Message>>)
    return static_cast<std::uint8_t>(I + 1);
  else
    return type_of<T, I + 1>();
}

void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put_be<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> body) : body_(body) {}
  bool ok() const { return ok_; }
  bool at_end() const { return at_ == body_.size(); }
  template <class T>
  T number() {
    if (!need(sizeof(T))) return T{};
    T v = get_be<T>(body_, at_);
    at_ += sizeof(T);
    return v;
  }
  bool boolean() {
    auto v = number<std::uint8_t>();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  std::string string() {
    auto n = number<std::uint32_t>();
    if (!need(n)) return {};
    std::string s(reinterpret_cast<const char*>(body_.data() + at_), n);
    at_ += n;
    return s;
  }

 private:
  bool need(std::size_t n) {
    if (!ok_ || body_.size() - at_ < n) ok_ = false;
    return ok_;
  }
  std::span<const std::uint8_t> body_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

void put_fields(std::vector<std::uint8_t>& out, const Configure& m) {
  put_be<std::uint64_t>(out, m.id);
  put_string(out, m.path);
  put_string(out, m.text);
}
void put_fields(std::vector<std::uint8_t>& out, const Configured& m) {
  put_be<std::uint64_t>(out, m.id);
  out.push_back(m.ok ? 1 : 0);
  put_string(out, m.message);
}
void put_fields(std::vector<std::uint8_t>& out, const SetSync& m) {
  out.push_back(m.master ? 1 : 0);
  out.push_back(m.both ? 1 : 0);
}
void put_fields(std::vector<std::uint8_t>& out, const Forward& m) {
  out.push_back(m.on ? 1 : 0);
  put_string(out, m.group);
}
void put_fields(std::vector<std::uint8_t>& out, const ForwardApplied& m) {
  out.push_back(m.on ? 1 : 0);
  put_string(out, m.group);
}
void put_fields(std::vector<std::uint8_t>& out, const Ping& m) { put_be<std::uint64_t>(out, m.id); }
void put_fields(std::vector<std::uint8_t>& out, const Pong& m) {
  put_be<std::uint64_t>(out, m.id);
  put_be<std::uint64_t>(out, m.lag_us);
}
void put_fields(std::vector<std::uint8_t>& out, const Snapshot& m) {
  put_be<std::uint32_t>(out, m.reals);
  put_be<std::uint32_t>(out, m.reals_healthy);
  put_be<std::uint64_t>(out, m.dump_at_ns);
  put_string(out, m.text);
  put_string(out, m.json);
}
void put_fields(std::vector<std::uint8_t>&, const Stop&) {}
void put_fields(std::vector<std::uint8_t>& out, const Publish& m) {
  put_string(out, m.metrics);
  put_string(out, m.page);
  put_string(out, m.events);
}

void put_fields(std::vector<std::uint8_t>& out, const Resolve& m) {
  put_be<std::uint64_t>(out, m.id);
  put_string(out, m.vs);
  put_string(out, m.real);
}
void put_fields(std::vector<std::uint8_t>& out, const Resolved& m) {
  put_be<std::uint64_t>(out, m.id);
  out.push_back(m.ok ? 1 : 0);
  put_string(out, m.message);
  put_string(out, m.service);
  put_string(out, m.dest);
  out.push_back(m.in_kernel ? 1 : 0);
  put_be<std::uint32_t>(out, static_cast<std::uint32_t>(m.weight));
  put_be<std::uint32_t>(out, m.active);
  put_be<std::uint32_t>(out, m.inactive);
  put_be<std::uint32_t>(out, m.persistent);
  put_be<std::uint64_t>(out, m.age_ms);
}
void put_fields(std::vector<std::uint8_t>& out, const SetMaintenance& m) { put_string(out, m.text); }
void put_fields(std::vector<std::uint8_t>& out, const Plan& m) {
  put_be<std::uint64_t>(out, m.id);
  put_string(out, m.path);
  put_string(out, m.text);
}
void put_fields(std::vector<std::uint8_t>& out, const Planned& m) {
  put_be<std::uint64_t>(out, m.id);
  out.push_back(m.ok ? 1 : 0);
  put_string(out, m.message);
}

void read_fields(Reader& r, Configure& m) {
  m.id = r.number<std::uint64_t>();
  m.path = r.string();
  m.text = r.string();
}
void read_fields(Reader& r, Configured& m) {
  m.id = r.number<std::uint64_t>();
  m.ok = r.boolean();
  m.message = r.string();
}
void read_fields(Reader& r, SetSync& m) {
  m.master = r.boolean();
  m.both = r.boolean();
}
void read_fields(Reader& r, Forward& m) {
  m.on = r.boolean();
  m.group = r.string();
}
void read_fields(Reader& r, ForwardApplied& m) {
  m.on = r.boolean();
  m.group = r.string();
}
void read_fields(Reader& r, Ping& m) { m.id = r.number<std::uint64_t>(); }
void read_fields(Reader& r, Pong& m) {
  m.id = r.number<std::uint64_t>();
  m.lag_us = r.number<std::uint64_t>();
}
void read_fields(Reader& r, Snapshot& m) {
  m.reals = r.number<std::uint32_t>();
  m.reals_healthy = r.number<std::uint32_t>();
  m.dump_at_ns = r.number<std::uint64_t>();
  m.text = r.string();
  m.json = r.string();
}
void read_fields(Reader&, Stop&) {}
void read_fields(Reader& r, Publish& m) {
  m.metrics = r.string();
  m.page = r.string();
  m.events = r.string();
}

void read_fields(Reader& r, Resolve& m) {
  m.id = r.number<std::uint64_t>();
  m.vs = r.string();
  m.real = r.string();
}
void read_fields(Reader& r, Resolved& m) {
  m.id = r.number<std::uint64_t>();
  m.ok = r.boolean();
  m.message = r.string();
  m.service = r.string();
  m.dest = r.string();
  m.in_kernel = r.boolean();
  m.weight = static_cast<std::int32_t>(r.number<std::uint32_t>());
  m.active = r.number<std::uint32_t>();
  m.inactive = r.number<std::uint32_t>();
  m.persistent = r.number<std::uint32_t>();
  m.age_ms = r.number<std::uint64_t>();
}
void read_fields(Reader& r, SetMaintenance& m) { m.text = r.string(); }
void read_fields(Reader& r, Plan& m) {
  m.id = r.number<std::uint64_t>();
  m.path = r.string();
  m.text = r.string();
}
void read_fields(Reader& r, Planned& m) {
  m.id = r.number<std::uint64_t>();
  m.ok = r.boolean();
  m.message = r.string();
}

template <std::size_t I = 0>
std::optional<Message> read_message(std::uint8_t type, Reader& r) {
  if constexpr (I == std::variant_size_v<Message>) {
    return std::nullopt;
  } else {
    if (type != I + 1) return read_message<I + 1>(type, r);
    std::variant_alternative_t<I, Message> m;
    read_fields(r, m);
    return Message(std::move(m));
  }
}

}  // namespace

std::vector<std::uint8_t> encode(const Message& m) {
  std::vector<std::uint8_t> out(4, 0);
  out.push_back(kVersion);
  std::visit(
      [&](const auto& msg) {
        out.push_back(type_of<std::decay_t<decltype(msg)>>());
        put_fields(out, msg);
      },
      m);
  const auto body = static_cast<std::uint32_t>(out.size() - 4);
  for (int i = 0; i < 4; ++i) out[std::size_t(i)] = static_cast<std::uint8_t>(body >> (24 - 8 * i));
  return out;
}

Decoded decode(std::span<const std::uint8_t> in) {
  Decoded d;
  if (in.size() < 4) return d;
  const auto length = get_be<std::uint32_t>(in, 0);
  if (length < 2 || length > kMaxBody) {
    d.error = "frame length " + std::to_string(length) + " out of range";
    return d;
  }
  if (in.size() - 4 < length) return d;
  auto body = in.subspan(4, length);
  if (body[0] != kVersion) {
    d.error = "protocol version " + std::to_string(body[0]) + ", expected " + std::to_string(kVersion);
    return d;
  }
  Reader r(body.subspan(2));
  auto m = read_message(body[1], r);
  if (!m) {
    d.error = "unknown message type " + std::to_string(body[1]);
    return d;
  }
  if (!r.ok() || !r.at_end()) {
    d.error = std::string("malformed ") + name(*m) + " message";
    return d;
  }
  d.message = std::move(m);
  d.consumed = 4 + length;
  return d;
}

const char* name(const Message& m) {
  static constexpr const char* names[] = {"Configure", "Configured", "SetSync", "Forward", "ForwardApplied",
                                          "Ping",      "Pong",       "Snapshot", "Stop",           "Publish",
                                          "Resolve",   "Resolved",   "SetMaintenance", "Plan",         "Planned"};
  static_assert(std::size(names) == std::variant_size_v<Message>);
  return names[m.index()];
}

}  // namespace tandem::daemon::checker
