#include "ipvs/table_keeper.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ipvs/reconcile.hpp"

namespace tandem::ipvs {
namespace {

const char* protocol_word(std::uint16_t p) {
  switch (p) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_SCTP: return "sctp";
  }
  return nullptr;
}

std::string sync_name(SyncState s) { return s == SyncState::master ? "master" : "backup"; }

// The kernel reports its defaults for what we left unset (group, port, ttl,
// maxlen), so only what we asked for is compared.
bool sync_matches(const SyncDaemon& want, const SyncDaemon& have) {
  return want.state == have.state && want.interface == have.interface && want.syncid == have.syncid &&
         (!want.group || want.group == have.group) && (!want.port || want.port == have.port) &&
         (!want.ttl || want.ttl == have.ttl) && (!want.maxlen || want.maxlen == have.maxlen);
}

}  // namespace

std::string format_service_key(const ServiceKey& k) {
  if (k.is_fwmark()) return "fwmark " + std::to_string(k.fwmark) + (k.af == AF_INET6 ? " ipv6" : " ipv4");
  const char* p = protocol_word(k.protocol);
  return std::string(p ? p : "?") + " " + k.address.str() + " " + std::to_string(k.port);
}

std::optional<ServiceKey> parse_service_key(const std::string& line) {
  std::istringstream in(line);
  std::string kind, a, b, extra;
  if (!(in >> kind >> a >> b) || (in >> extra)) return std::nullopt;
  ServiceKey k;
  try {
    if (kind == "fwmark") {
      unsigned long mark = std::stoul(a);
      if (mark == 0 || mark > 0xffffffffUL || (b != "ipv4" && b != "ipv6")) return std::nullopt;
      k.fwmark = static_cast<std::uint32_t>(mark);
      k.af = b == "ipv6" ? AF_INET6 : AF_INET;
      return k;
    }
    if (kind == "tcp") k.protocol = IPPROTO_TCP;
    else if (kind == "udp") k.protocol = IPPROTO_UDP;
    else if (kind == "sctp") k.protocol = IPPROTO_SCTP;
    else return std::nullopt;
    auto addr = config::IpAddress::parse(a);
    unsigned long port = std::stoul(b);
    if (!addr || port > 65535) return std::nullopt;
    k.address = *addr;
    k.af = addr->family;
    k.port = static_cast<std::uint16_t>(port);
    return k;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

TableKeeper::TableKeeper(IpvsTable& table, std::string state_path, LogSink log)
    : table_(table), state_path_(std::move(state_path)), log_(std::move(log)) {
  load_state();
}

void TableKeeper::load_state() {
  if (state_path_.empty()) return;
  std::ifstream in(state_path_);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (auto k = parse_service_key(line))
      created_.insert(*k);
    else
      log_(4, "ipvs: " + state_path_ + ":" + std::to_string(n) + ": ignoring unreadable line");
  }
}

void TableKeeper::save_state() {
  if (state_path_.empty()) return;
  std::error_code ec;
  std::filesystem::path p(state_path_);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::string tmp = state_path_ + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& k : created_) out << format_service_key(k) << "\n";
    if (!out) {
      log_(3, "ipvs: cannot write " + tmp);
      return;
    }
  }
  std::filesystem::rename(tmp, state_path_, ec);
  if (ec) log_(3, "ipvs: cannot replace " + state_path_ + ": " + ec.message());
}

void TableKeeper::apply(const std::vector<Operation>& ops) {
  if (ops.empty()) return;
  ApplyResult result = table_.apply(ops);
  std::vector<bool> failed(ops.size(), false);
  for (const auto& f : result.failures) {
    if (f.index < failed.size()) {
      failed[f.index] = true;
      ++counters_.failed[ops[f.index].index()];
    }
    log_(3, "ipvs: " + f.message);
  }
  std::vector<Operation> done;
  bool state_changed = false;
  // Each operation is logged; a large pass (a start, a big reload) logs them
  // at debug and a summary at info.
  const int each = ops.size() > 100 ? 7 : 6;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (failed[i]) continue;
    done.push_back(ops[i]);
    ++counters_.applied[ops[i].index()];
    log_(each, "ipvs: " + describe(ops[i]));
    if (auto* n = std::get_if<NewService>(&ops[i])) state_changed |= created_.insert(n->service.key).second;
    if (auto* d = std::get_if<DelService>(&ops[i])) state_changed |= created_.erase(d->key) > 0;
  }
  applied_ += done.size();
  observed_ = apply_to(std::move(observed_), done);
  if (state_changed) save_state();
}

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string_view operation_kind(std::size_t index) {
  static constexpr std::string_view kinds[] = {"new_service", "set_service", "del_service",
                                               "new_dest",    "set_dest",    "del_dest"};
  static_assert(std::size(kinds) == KeeperCounters::kinds);
  return index < std::size(kinds) ? kinds[index] : "unknown";
}

void TableKeeper::reconcile_timeouts(bool read) {
  if (desired_timeouts_.empty()) {
    observed_timeouts_.reset();  // read afresh when some are wanted again
    return;
  }
  if (read || !observed_timeouts_) {
    auto got = table_.get_timeouts();
    if (auto* err = std::get_if<std::string>(&got)) {
      observed_timeouts_.reset();
      ++counters_.dump_errors;
      log_(3, "ipvs: " + *err);
      return;
    }
    observed_timeouts_ = std::get<Timeouts>(got);
  }
  const Timeouts& have = *observed_timeouts_;
  // A protocol the kernel was built without has no timeout to set: said once.
  auto unreported = [&](const char* key, std::uint32_t want, std::uint32_t seen, std::uint32_t& warned) {
    if (want == 0 || seen != 0 || warned == want) return;
    warned = want;
    log_(4, std::string("ipvs: the kernel reports no ") + key + " (built without that protocol): not set");
  };
  unreported("tcp_timeout", desired_timeouts_.tcp, have.tcp, warned_unreported_.tcp);
  unreported("tcpfin_timeout", desired_timeouts_.tcp_fin, have.tcp_fin, warned_unreported_.tcp_fin);
  unreported("udp_timeout", desired_timeouts_.udp, have.udp, warned_unreported_.udp);

  const auto set = ipvs::reconcile_timeouts(desired_timeouts_, have);
  if (!set) return;
  if (auto err = table_.set_timeouts(*set)) {
    ++counters_.timeouts_failed;
    log_(3, "ipvs: " + *err);
    return;
  }
  ++counters_.timeouts_applied;
  log_(6, "ipvs: " + describe_timeouts_set(*set, have));
  observed_timeouts_ = apply_to(have, *set);
}

std::string describe_timeouts_set(const Timeouts& set, const Timeouts& was) {
  std::string change = "SET timeouts";
  auto one = [&](const char* name, std::uint32_t now, std::uint32_t before) {
    if (now == 0) return;
    change += " " + std::string(name) + " " + std::to_string(now) + "s (was " + std::to_string(before) + "s)";
  };
  one("tcp", set.tcp, was.tcp);
  one("tcpfin", set.tcp_fin, was.tcp_fin);
  one("udp", set.udp, was.udp);
  return change;
}

std::optional<std::string> TableKeeper::reconcile_full() {
  reconcile_timeouts(true);
  auto t0 = std::chrono::steady_clock::now();
  auto dumped = table_.dump();
  double dump_ms = ms_since(t0);
  if (auto* err = std::get_if<std::string>(&dumped)) {
    dump_error_ = *err;
    ++counters_.dump_errors;
    return *err;
  }
  dump_error_.clear();
  observed_ = std::move(std::get<Table>(dumped));
  last_dump_ = t0;
  // Recorded services that are gone from the kernel need no more tracking.
  std::set<ServiceKey> keep;
  for (const auto& e : desired_) keep.insert(e.service.key);
  for (const auto& e : observed_) keep.insert(e.service.key);
  std::size_t before = created_.size();
  std::erase_if(created_, [&](const ServiceKey& k) { return !keep.count(k); });
  if (created_.size() != before) save_state();
  auto ops = reconcile(desired_, observed_, created_);
  auto t1 = std::chrono::steady_clock::now();
  apply(ops);
  ++counters_.full_passes;
  counters_.last_full_seconds = ms_since(t0) / 1000;
  counters_.full_seconds_sum += counters_.last_full_seconds;
  if (!ops.empty())
    log_(6, "ipvs: " + std::to_string(ops.size()) + " operation(s) in " + fixed(ms_since(t1)) + " ms (dump of " +
                std::to_string(observed_.size()) + " services " + fixed(dump_ms) + " ms)");
  return std::nullopt;
}

void TableKeeper::reconcile_cached() {
  reconcile_timeouts(false);
  auto t0 = std::chrono::steady_clock::now();
  auto ops = reconcile(desired_, observed_, created_);
  apply(ops);
  ++counters_.full_passes;
  counters_.last_full_seconds = ms_since(t0) / 1000;
  counters_.full_seconds_sum += counters_.last_full_seconds;
  if (!ops.empty())
    log_(6, "ipvs: " + std::to_string(ops.size()) + " operation(s) in " + fixed(ms_since(t0)) + " ms (no dump)");
}

std::optional<std::string> TableKeeper::set_sync(const std::optional<SyncDaemon>& settings, bool master, bool both) {
  auto listed = table_.daemons();
  if (auto* err = std::get_if<std::string>(&listed)) return "sync daemon: " + *err;
  const auto& running = std::get<std::vector<SyncDaemon>>(listed);
  std::vector<SyncDaemon> wanted;
  if (settings) {
    SyncDaemon d = *settings;
    d.state = master ? SyncState::master : SyncState::backup;
    wanted.push_back(d);
    if (master && both) {
      d.state = SyncState::backup;
      wanted.push_back(d);
    }
  }
  auto is_wanted = [&](const SyncDaemon& d) {
    return std::any_of(wanted.begin(), wanted.end(), [&](const SyncDaemon& w) { return sync_matches(w, d); });
  };
  std::string errors;
  // With [sync] configured tandem owns the sync daemons: everything but the
  // wanted one stops, first (the role we leave stops before the new starts).
  // Without it, only daemons this keeper started are stopped.
  for (const auto& d : running) {
    if (is_wanted(d)) continue;
    if (!settings && !started_daemons_.count(d.state)) continue;
    if (auto err = table_.stop_daemon(d.state)) {
      errors += (errors.empty() ? "" : "; ") + *err;
      continue;
    }
    started_daemons_.erase(d.state);
    log_(6, "ipvs: sync daemon " + sync_name(d.state) + " stopped");
  }
  for (const auto& want : wanted) {
    if (std::any_of(running.begin(), running.end(), [&](const SyncDaemon& d) { return sync_matches(want, d); }))
      continue;
    if (auto err = table_.start_daemon(want)) {
      errors += (errors.empty() ? "" : "; ") + *err;
    } else {
      started_daemons_.insert(want.state);
      log_(6, "ipvs: sync daemon " + sync_name(want.state) + " started on " + want.interface + ", syncid " +
                  std::to_string(want.syncid));
    }
  }
  if (errors.empty()) return std::nullopt;
  return errors;
}

void TableKeeper::stop_sync() {
  for (auto state : std::set<SyncState>(started_daemons_)) {
    if (auto err = table_.stop_daemon(state))
      log_(3, "ipvs: " + *err);
    else
      log_(6, "ipvs: sync daemon " + sync_name(state) + " stopped");
  }
  started_daemons_.clear();
}

}  // namespace tandem::ipvs
