// The resources' shell: carries out the state machine's StartResource,
// StopResource and CheckResources with the script runner and reports each
// end back as ResourceDone / ResourcesChecked. It knows the scripts (the
// configuration's [[resource]]s by group); the order and the exclusivity
// are the machine's (failover/resources.hpp). Nothing here blocks.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/script_runner.hpp"
#include "failover/peer_state.hpp"

namespace tandem::daemon {

class ResourceShell {
 public:
  using Report = std::function<void(failover::Event)>;
  using Log = std::function<void(int priority, std::string message)>;

  ResourceShell(boost::asio::io_context& io, ResourceDirs dirs, Report report, Log log);

  // The resources of each group (by the machine's group name: "" in the
  // form without [[group]]); a script in flight keeps the argv it started
  // with.
  void configure(const config::Config& cfg);
  // `role`: the group's role now (TANDEM_ROLE).
  void start(const failover::StartResource& a, std::string_view role, std::string_view peer);
  void stop(const failover::StopResource& a, std::string_view role, std::string_view peer);
  void check(const failover::CheckResources& a, std::string_view peer);
  // At exit: kills whatever runs, reports nothing.
  void kill_all();

 private:
  struct Check;  // a CheckResources under way
  const config::Resource* find(const std::string& group, std::size_t index) const;
  void run_op(const std::string& group, std::size_t index, bool start, std::string_view role,
              std::string_view reason, std::string_view peer);
  void check_next(std::shared_ptr<Check> c);

  ResourceDirs dirs_;
  Report report_;
  Log log_;
  ScriptRunner runner_;
  std::map<std::string, std::vector<config::Resource>> resources_;
};

}  // namespace tandem::daemon
