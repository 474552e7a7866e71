// Recording fake of ipvs::IpvsTable: the in-memory table of
// ipvs/memory_table.hpp, which answers as the kernel does, with call
// counters and failures to inject. Tests assert on `table`,
// `daemons_running`, `timeouts` and the counters.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <system_error>

#include "ipvs/memory_table.hpp"

namespace tandem::testing {

class FakeIpvsTable final : public ipvs::MemoryTable {
 public:
  int dump_calls = 0;
  int apply_calls = 0;
  std::size_t operations_seen = 0;  // over all apply() calls
  int get_timeouts_calls = 0;
  int set_timeouts_calls = 0;

  // dump() / daemons() fail with this reason when set.
  std::optional<std::string> fail_dump;
  std::optional<std::string> fail_daemons;
  // get_timeouts() fails with this reason; set_timeouts() with this errno,
  // changing nothing.
  std::optional<std::string> fail_get_timeouts;
  int fail_set_timeouts = 0;
  // An operation whose describe() text is a key fails with that errno and
  // changes nothing; so does one for which fail_when returns nonzero.
  std::map<std::string, int> fail;
  std::function<int(const ipvs::Operation&)> fail_when;

  std::variant<ipvs::Table, std::string> dump() override {
    ++dump_calls;
    if (fail_dump) return *fail_dump;
    return MemoryTable::dump();
  }

  ipvs::ApplyResult apply(const std::vector<ipvs::Operation>& ops) override {
    ++apply_calls;
    operations_seen += ops.size();
    ipvs::ApplyResult result;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      int err = 0;
      if (auto it = fail.find(ipvs::describe(ops[i])); it != fail.end()) err = it->second;
      if (!err && fail_when) err = fail_when(ops[i]);
      if (!err) err = apply_one(ops[i]);
      if (err)
        result.failures.push_back(
            {i, err, ipvs::describe(ops[i]) + ": " + std::error_code(err, std::generic_category()).message()});
    }
    return result;
  }

  std::variant<ipvs::Timeouts, std::string> get_timeouts() override {
    ++get_timeouts_calls;
    if (fail_get_timeouts) return *fail_get_timeouts;
    return MemoryTable::get_timeouts();
  }

  std::optional<std::string> set_timeouts(const ipvs::Timeouts& t) override {
    ++set_timeouts_calls;
    if (fail_set_timeouts)
      return "setting the IPVS timeouts (" + ipvs::describe(t) +
             "): " + std::error_code(fail_set_timeouts, std::generic_category()).message();
    return MemoryTable::set_timeouts(t);
  }

  std::variant<std::vector<ipvs::SyncDaemon>, std::string> daemons() override {
    if (fail_daemons) return *fail_daemons;
    return MemoryTable::daemons();
  }
};

}  // namespace tandem::testing
